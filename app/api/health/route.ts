import { json, probe } from "@/server/api/http";
import { healthReport } from "@/server/services/health";

export const dynamic = "force-dynamic";

/**
 * 200 when the database answers and every migration is applied; 503 otherwise, saying which
 * (`database: "restarting"` while the server restarts its embedded PostgreSQL).
 */
export function GET() {
  return probe(async (openDb, children) => {
    const report = await healthReport(openDb, process.env.EXOARMUR_STREAM === "enabled", children);
    return json(report.body, report.status);
  });
}
