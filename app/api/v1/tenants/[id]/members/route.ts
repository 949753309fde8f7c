import { json, readJson, route } from "@/server/api/http";
import { setMembership } from "@/server/services/users/users";

export const dynamic = "force-dynamic";

/** Adds an existing person to the tenant, or changes their role there. */
export async function PUT(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return route("PUT /api/v1/tenants/{id}/members", request, async ({ db, principal }) =>
    json(await setMembership(db, principal, id, await readJson(request))),
  );
}
