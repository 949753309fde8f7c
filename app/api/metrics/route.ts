import { metrics } from "@/server/api/metrics";
import { metricsAccess } from "@/server/api/metrics-access";

export const dynamic = "force-dynamic";

export async function GET(request: Request) {
  const refused = metricsAccess(request);
  if (refused) return refused;
  const { registry } = metrics();
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } });
}
