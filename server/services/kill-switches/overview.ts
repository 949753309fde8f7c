// The kill-switch page of one tenant: the switches that apply to it (its own and the global one),
// their full history, newest first, and the names of whoever changed them.

import type { Db } from "../../db/client";
import type { Principal } from "../access/principal";
import { principalNames } from "../access/principal-names";
import { readInSnapshot } from "../shared/transaction";
import { killSwitchHistory, listKillSwitches } from "./kill-switches";

export async function killSwitchOverview(db: Db, principal: Principal, tenantId: string) {
  // The switches and their history of one moment: an engage committing between the two reads
  // would show a switch released while its newest history entry says engaged.
  const { switches, history } = await readInSnapshot(db, async (tx) => ({
    switches: (await listKillSwitches(tx, principal)).filter(
      (s) => s.scope === "global" || s.tenantId === tenantId,
    ),
    history: await killSwitchHistory(tx, principal, tenantId),
  }));
  const names = await principalNames(db, [...switches.map((s) => s.changedBy), ...history.map((h) => h.by)]);
  return { switches, history, names };
}
