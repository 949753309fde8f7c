import { json, probe } from "@/server/api/http";
import { healthReport } from "@/server/services/health";

export const dynamic = "force-dynamic";

/** 200 when the database answers and every migration is applied; 503 otherwise, saying which. */
export function GET() {
  return probe(async (openDb) => {
    const report = await healthReport(openDb, process.env.EXOARMUR_STREAM === "enabled");
    return json(report.body, report.status);
  });
}
