import { json, route } from "@/server/api/http";
import { getDecision } from "@/server/services/decisions/read";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return route("GET /api/v1/decisions/{id}", request, async ({ db, principal }) =>
    json(await getDecision(db, principal, id)),
  );
}
