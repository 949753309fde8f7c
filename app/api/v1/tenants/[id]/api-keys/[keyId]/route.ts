import { json, route } from "@/server/api/http";
import { revokeApiKey } from "@/server/services/keys/api-keys";

export const dynamic = "force-dynamic";

export async function DELETE(
  request: Request,
  { params }: { params: Promise<{ id: string; keyId: string }> },
) {
  const { id, keyId } = await params;
  return route("DELETE /api/v1/tenants/{id}/api-keys/{keyId}", request, async ({ db, principal }) =>
    json(await revokeApiKey(db, principal, id, keyId)),
  );
}
