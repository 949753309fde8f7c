import { json, route } from "@/server/api/http";
import { exportEvidence } from "@/server/services/decisions/read";

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return route("GET /api/v1/decisions/{id}/evidence", request, async ({ db, principal }) =>
    json(await exportEvidence(db, principal, id), 200, {
      "content-disposition": `attachment; filename="evidence-${id}.json"`,
    }),
  );
}
