import { json, route } from "@/server/api/http";
import { activatePolicyVersion } from "@/server/services/policies/versions";
import { invalid } from "@/server/services/shared/errors";

export const dynamic = "force-dynamic";

/** Re-activate an existing (immutable) version, e.g. to roll back. */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string; version: string }> },
) {
  const { id, version } = await params;
  return route(
    "POST /api/v1/tenants/{id}/policies/{version}/activate",
    request,
    async ({ db, principal }) => {
      if (!/^[1-9]\d{0,8}$/.test(version))
        throw invalid([{ path: "version", message: "must be a positive whole number" }]);
      return json(await activatePolicyVersion(db, principal, id, Number(version)));
    },
  );
}
