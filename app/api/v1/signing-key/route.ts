import { json, route } from "@/server/api/http";
import { publicKeyInfo } from "@/server/services/keys/signing-key";

export const dynamic = "force-dynamic";

/**
 * The evidence-signing public keys: `{alg, keyId, publicKey}` of the current key (pin it with
 * `exoarmur verify --public-key`) and `keys`, the current and retired ones (save the answer and
 * pass it to `exoarmur verify --trusted-keys`, so bundles signed before a rotation stay verifiable).
 */
export function GET(request: Request) {
  return route("GET /api/v1/signing-key", request, async ({ db }) => json(await publicKeyInfo(db)));
}
