import { json, readJson, route } from "@/server/api/http";
import { voteOnApproval } from "@/server/services/approvals/vote";

export const dynamic = "force-dynamic";

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return route("POST /api/v1/approvals/{id}/votes", request, async ({ db, principal }) =>
    json(await voteOnApproval(db, principal, id, await readJson(request))),
  );
}
