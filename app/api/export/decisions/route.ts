// GET /api/export/decisions?tenant=…&format=csv|jsonl&verdict=…&action=…&actor=…&from=…&to=…
// The decisions list under its current filters as a streamed download, for the dashboard's Export
// buttons. Authenticated like tRPC (the session cookie, or a non-client API key), with the same
// tenant rule: another tenant's id is "not found".

import { exportCaller, exportResponse } from "@/server/api/export";
import { exportDecisions, parseDecisionExportQuery } from "@/server/services/export/decisions-export";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  return exportCaller(request, async (db, callerFor) => {
    const query = parseDecisionExportQuery(new URL(request.url).searchParams);
    const principal = await callerFor(query.tenant);
    const chunks = exportDecisions(db, principal, query);
    return exportResponse(chunks, `decisions-${query.tenant}`, query.format);
  });
}
