import { json, readJson, route } from "@/server/api/http";
import { startCallerExecution } from "@/server/services/executions/caller";

export const dynamic = "force-dynamic";

const hasBody = (request: Request) =>
  request.headers.has("transfer-encoding") || Number(request.headers.get("content-length") ?? "0") > 0;

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return route("POST /api/v1/executions/{id}/start", request, async ({ db, principal }) =>
    // The body is optional: none, `{}` or `{"startKey": …}`.
    json(await startCallerExecution(db, principal, id, hasBody(request) ? await readJson(request) : {})),
  );
}
