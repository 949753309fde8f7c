import { json, route } from "@/server/api/http";
import { publicKeyInfo } from "@/server/services/keys/signing-key";

export const dynamic = "force-dynamic";

/** The evidence-signing public key, to pin with `exoarmur verify --public-key`. */
export function GET(request: Request) {
  return route("GET /api/v1/signing-key", request, async ({ db }) => json(await publicKeyInfo(db)));
}
