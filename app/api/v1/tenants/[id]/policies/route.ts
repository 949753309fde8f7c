import { json, readJson, route } from "@/server/api/http";
import { applyPolicy, listPolicies } from "@/server/services/policies/versions";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return route("POST /api/v1/tenants/{id}/policies", request, async ({ db, principal }) =>
    json(
      await applyPolicy(db, principal, id, await readJson(request), {
        // The change note rides in the query string: the body is the policy document itself.
        note: new URL(request.url).searchParams.get("note") ?? undefined,
      }),
      201,
    ),
  );
}

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return route("GET /api/v1/tenants/{id}/policies", request, async ({ db, principal }) =>
    json(await listPolicies(db, principal, id)),
  );
}
