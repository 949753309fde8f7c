// The kill-switch page of one tenant: the switches that apply to it (its own and the global one),
// their full history, newest first, and the names of whoever changed them.

import type { Db } from "../../db/client";
import type { Principal } from "../access/principal";
import { principalNames } from "../access/principal-names";
import { killSwitchHistory, listKillSwitches } from "./kill-switches";

export async function killSwitchOverview(db: Db, principal: Principal, tenantId: string) {
  const switches = (await listKillSwitches(db, principal)).filter(
    (s) => s.scope === "global" || s.tenantId === tenantId,
  );
  const history = await killSwitchHistory(db, principal, tenantId);
  const names = await principalNames(db, [...switches.map((s) => s.changedBy), ...history.map((h) => h.by)]);
  return { switches, history, names };
}
