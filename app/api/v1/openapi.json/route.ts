import { json } from "@/server/api/http";
import { openApiDocument } from "@/server/api/openapi";

export const dynamic = "force-static";

export function GET() {
  return json(openApiDocument());
}
