import { json, readJson, route } from "@/server/api/http";
import { rejectPolicyVersion } from "@/server/services/policies/versions";
import { invalid } from "@/server/services/shared/errors";

export const dynamic = "force-dynamic";

/** Four eyes: turn down a proposed version, with a reason (its author may withdraw it this way too). */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ id: string; version: string }> },
) {
  const { id, version } = await params;
  return route("POST /api/v1/tenants/{id}/policies/{version}/reject", request, async ({ db, principal }) => {
    if (!/^[1-9]\d{0,8}$/.test(version))
      throw invalid([{ path: "version", message: "must be a positive whole number" }]);
    const body = await readJson(request);
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw invalid([{ path: "(body)", message: "must be an object {reason}" }]);
    const { reason, ...rest } = body as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length) throw invalid(unknown.map((path) => ({ path, message: "is not a known field" })));
    return json(await rejectPolicyVersion(db, principal, id, Number(version), reason));
  });
}
