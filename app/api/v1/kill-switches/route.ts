import { json, readJson, route } from "@/server/api/http";
import { listKillSwitches, setKillSwitch } from "@/server/services/kill-switches/kill-switches";

export const dynamic = "force-dynamic";

export function GET(request: Request) {
  return route("GET /api/v1/kill-switches", request, async ({ db, principal }) =>
    json({ killSwitches: await listKillSwitches(db, principal) }),
  );
}

export function PUT(request: Request) {
  return route("PUT /api/v1/kill-switches", request, async ({ db, principal }) =>
    json(await setKillSwitch(db, principal, await readJson(request))),
  );
}
