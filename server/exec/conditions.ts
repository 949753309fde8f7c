// What may have changed since an execution was claimed: its tenant's status and the kill switches
// over it, read fresh, and the core's `dispatchRefusal` on them. Asked right before an attempt
// acts: by execute.ts before a webhook is sent, and by claim.ts before a record attempt is written
// (there after the tenant's chain head is locked, so a tenant switch or suspension, which appends to
// that chain, has either committed and is seen, or comes after the attempt).

import type pg from "pg";
import { type DispatchRefusal, dispatchRefusal } from "../core";
import type { PipelinedStatement } from "../db/pipeline";
import {
  engagedSwitchesJson,
  type KillSwitchRow,
  toKillSwitchState,
} from "../services/kill-switches/kill-switches";
import { iso } from "../services/shared/ids";
import type { Claimed } from "./claim";

const CONDITIONS = `
SELECT t.id, t.status,
       ${engagedSwitchesJson("t.id")} AS switches
  FROM "Tenant" t WHERE t.id = ANY($1::text[])`;

export interface Conditions {
  status: string;
  switches: KillSwitchRow[];
}

/** The conditions of these tenants, in one statement (a tenant that is gone is absent). */
export async function readConditions(
  sql: pg.Pool | pg.PoolClient,
  tenantIds: readonly string[],
): Promise<Map<string, Conditions>> {
  return conditionsFrom((await sql.query(conditionsStatement(tenantIds) as pg.QueryConfig)).rows);
}

/** That statement, for a caller that sends it in a pipeline (db/pipeline.ts). */
export function conditionsStatement(tenantIds: readonly string[]): PipelinedStatement {
  return { name: "exec_conditions", text: CONDITIONS, values: [tenantIds] };
}

export function conditionsFrom(rows: readonly Record<string, unknown>[]): Map<string, Conditions> {
  return new Map(rows.map((r) => [r.id as string, r as unknown as Conditions]));
}

/** Why the claimed attempt may not act now, given its tenant's conditions as just read. */
export function refusalUnder(
  job: Claimed,
  conditions: Conditions | null | undefined,
  now: Date,
): DispatchRefusal | null {
  return dispatchRefusal({
    tenantId: job.tenantId,
    tenantStatus: conditions?.status ?? "unknown",
    action: job.intent.action,
    requestedAt: job.intent.requestedAt,
    ttlSeconds: job.intent.ttlSeconds,
    switches: (conditions?.switches ?? []).map(toKillSwitchState),
    now: iso(now),
  });
}
