// Kill switches: the current state is one row per switch; every engage/release is a chain event
// (the tenant's chain, or the platform chain for the global switch). Decisions read the rows in
// their own transaction, so every decision whose transaction starts after an engage commits sees it.

import { z } from "zod";
import {
  chainEvent,
  globListMatchProblem,
  globSchema,
  hiddenCharacterProblem,
  type KillSwitchState,
  nameString,
  parseWith,
  SWITCH_MATCH_BUDGET,
  tenantIdSchema,
} from "../../core";
import type { Db } from "../../db/client";
import { requireActiveTenant } from "../access/authorize";
import { type Principal, principalLabel } from "../access/principal";
import { appendEvents, PLATFORM_CHAIN } from "../chain/append";
import { conflict, forbidden, invalid, notFound } from "../shared/errors";
import { iso } from "../shared/ids";
import { TX_OPTIONS, type Tx } from "../shared/transaction";

export const setKillSwitchSchema = z
  .strictObject({
    scope: z.enum(["global", "tenant", "action"], { error: "must be global, tenant or action" }),
    tenantId: tenantIdSchema.optional(),
    action: globSchema.optional(),
    engaged: z.boolean({ error: "must be true or false" }),
    reason: nameString(1024),
  })
  .superRefine((body, ctx) => {
    if (body.scope === "global" && (body.tenantId !== undefined || body.action !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["scope"],
        message: "a global switch takes neither tenantId nor action",
      });
    }
    if (body.scope === "tenant" && body.action !== undefined)
      ctx.addIssue({ code: "custom", path: ["action"], message: "is only allowed for an action switch" });
    if (body.scope === "action" && body.action === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["action"],
        message: "is required for an action switch (a glob)",
      });
    // Checked when engaging only: a switch engaged under older rules can always be released.
    const hidden = body.engaged && body.action !== undefined ? hiddenCharacterProblem(body.action) : null;
    if (hidden) ctx.addIssue({ code: "custom", path: ["action"], message: hidden });
  });

export function switchId(scope: string, tenantId?: string, action?: string): string {
  return scope === "global"
    ? "global"
    : scope === "tenant"
      ? `tenant:${tenantId}`
      : `action:${tenantId}:${action}`;
}

function killSwitchView(
  row: KillSwitchRow & {
    changedBy: string;
    changedAt: Date;
  },
) {
  return {
    id: row.id,
    scope: row.scope,
    tenantId: row.tenantId,
    action: row.action,
    engaged: row.engaged,
    reason: row.reason,
    changedBy: row.changedBy,
    changedAt: iso(row.changedAt),
  };
}

/**
 * `expectedChangedAt`: the switch's `changedAt` as the caller last saw it (null: never set). When
 * given and the switch has changed since, nothing is written (CONFLICT): an operator does not
 * release a switch a colleague engaged a moment ago without having seen why.
 */
export async function setKillSwitch(
  db: Db,
  principal: Principal,
  body: unknown,
  now = new Date(),
  expectedChangedAt?: string | null,
) {
  const parsed = parseWith(setKillSwitchSchema, body);
  if (!parsed.ok) throw invalid(parsed.errors);
  const input = parsed.value;
  let tenantId = input.tenantId;
  if (input.scope === "global") {
    if (principal.kind !== "platform-admin")
      throw forbidden("only a platform admin may engage or release the global kill switch");
  } else {
    if (principal.kind !== "platform-admin") {
      tenantId ??= principal.tenantId;
      if (tenantId !== principal.tenantId) throw notFound(`tenant ${tenantId}`);
      if (principal.role !== "operator" && principal.role !== "admin")
        throw forbidden(`kill switches need the operator or admin role; you have ${principal.role}`);
    }
    if (!tenantId) throw invalid([{ path: "tenantId", message: `is required for a ${input.scope} switch` }]);
  }
  const id = switchId(input.scope, tenantId, input.action);
  const by = principalLabel(principal);
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    // The tenant row first, before any switch row: every writer of a tenant's switches then takes
    // the locks in one order (the dashboard's stale check below locks the switch row), and two
    // concurrent engages count each other against the tenant's matching budget.
    if (tenantId) {
      const [tenant] = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM "Tenant" WHERE id = ${tenantId} FOR NO KEY UPDATE`;
      if (!tenant) throw notFound(`tenant ${tenantId}`);
    }
    if (expectedChangedAt !== undefined) {
      const [current] = await tx.$queryRaw<{ changedAt: Date }[]>`
        SELECT "changedAt" FROM "KillSwitch" WHERE id = ${id} FOR UPDATE`;
      const seen = current ? iso(current.changedAt) : null;
      if (seen !== expectedChangedAt)
        throw conflict(
          "the switch changed since you loaded it: look at its new state and reason first",
          "STALE",
        );
    }
    if (input.scope === "action" && input.engaged) await withinSwitchBudget(tx, tenantId!, id, input.action!);
    const data = {
      scope: input.scope,
      tenantId: tenantId ?? null,
      action: input.action ?? null,
      engaged: input.engaged,
      reason: input.reason,
      changedBy: by,
      changedAt: now,
    };
    const row = await tx.killSwitch.upsert({ where: { id }, create: { id, ...data }, update: data });
    await appendEvents(tx, tenantId ?? PLATFORM_CHAIN, [
      chainEvent(input.engaged ? "killswitch.engaged" : "killswitch.released", id, iso(now), {
        scope: input.scope,
        ...(tenantId ? { tenantId } : {}),
        ...(input.action ? { action: input.action } : {}),
        reason: input.reason,
        by,
      }),
    ]);
    return killSwitchView(row);
  }, TX_OPTIONS);
}

export async function listKillSwitches(db: Pick<Tx, "killSwitch">, principal: Principal) {
  const rows = await db.killSwitch.findMany({
    where:
      principal.kind === "platform-admin"
        ? {}
        : { OR: [{ scope: "global" }, { tenantId: principal.tenantId }] },
    orderBy: { id: "asc" },
  });
  return rows.map(killSwitchView);
}

export interface KillSwitchRow {
  id: string;
  scope: string;
  tenantId: string | null;
  action: string | null;
  engaged: boolean;
  reason: string;
}

/**
 * SQL for the raw hot paths (decide batch, claim, the dispatcher's conditions): the switches engaged
 * over the tenant whose id is `tenantId` (an SQL expression), global ones included, as a JSON array
 * of KillSwitchRow in id order. One fragment, so every reader sees the same set in the same order.
 */
export function engagedSwitchesJson(tenantId: string): string {
  return `(SELECT coalesce(json_agg(json_build_object('id', k.id, 'scope', k.scope, 'tenantId', k."tenantId", 'action', k.action, 'engaged', k.engaged, 'reason', k.reason) ORDER BY k.id), '[]'::json)
          FROM "KillSwitch" k WHERE k.engaged AND (k.scope = 'global' OR k."tenantId" = ${tenantId}))`;
}

/** A stored switch as the core's decision input carries it (absent, not null, when a field does not apply). */
export function toKillSwitchState(row: KillSwitchRow): KillSwitchState {
  return {
    id: row.id,
    scope: row.scope as KillSwitchState["scope"],
    ...(row.tenantId ? { tenantId: row.tenantId } : {}),
    ...(row.action ? { action: row.action } : {}),
    engaged: row.engaged,
    reason: row.reason,
  };
}

/** Engaged switches that could apply to `tenantId` (the core decides which actually apply). */
export async function engagedSwitchesFor(tx: Tx, tenantId: string): Promise<KillSwitchState[]> {
  const rows = await tx.killSwitch.findMany({
    where: { engaged: true, OR: [{ scope: "global" }, { tenantId }] },
    orderBy: { id: "asc" },
  });
  return rows.map(toKillSwitchState);
}

/** Every engage and release that applies to a tenant (its own switches and the global one), newest first. */
export async function killSwitchHistory(
  db: Pick<Tx, "event">,
  principal: Principal,
  tenantId: string,
  limit = 200,
) {
  if (principal.kind !== "platform-admin" && principal.tenantId !== tenantId)
    throw notFound(`tenant ${tenantId}`);
  const rows = await db.event.findMany({
    where: {
      tenantId: { in: [tenantId, PLATFORM_CHAIN] },
      type: { in: ["killswitch.engaged", "killswitch.released"] },
    },
    orderBy: { id: "desc" },
    take: limit,
  });
  return rows.map((e) => {
    const payload = e.payload as { scope: string; action?: string; reason: string; by: string };
    return {
      chain: e.tenantId,
      seq: e.seq,
      switchId: e.subjectId,
      engaged: e.type === "killswitch.engaged",
      scope: payload.scope,
      action: payload.action ?? null,
      reason: payload.reason,
      by: payload.by,
      at: e.at,
    };
  });
}

export const MAX_ENGAGED_ACTION_SWITCHES = 100;

/**
 * Every decision of a tenant matches its engaged action switches: their globs share one matching
 * budget, or a hostile admin could engage thousands and stall every tenant's decisions (the caller
 * holds the tenant row lock, so two concurrent engages count each other). The tenant switch and
 * releases are never refused.
 */
async function withinSwitchBudget(tx: Tx, tenantId: string, id: string, glob: string) {
  const engaged = await tx.killSwitch.findMany({
    where: { tenantId, scope: "action", engaged: true, id: { not: id } },
    select: { action: true },
    orderBy: { id: "asc" },
  });
  const problem = globListMatchProblem(
    [...engaged, { action: glob }].map(({ action }) => ({ path: "action", glob: action! })),
    SWITCH_MATCH_BUDGET,
    `this tenant's ${engaged.length + 1} engaged action switches`,
  );
  // Every engaged switch is also copied into each decision's input (and its hash): bound the count.
  if (!problem && engaged.length >= MAX_ENGAGED_ACTION_SWITCHES) {
    throw invalid(
      [
        {
          path: "action",
          message: `this tenant already has ${engaged.length} engaged action switches, the most allowed: release some, use a broader glob, or engage the tenant switch, which stops everything`,
        },
      ],
      "the tenant's engaged action kill switches are at their limit",
    );
  }
  if (problem) {
    throw invalid(
      [{ ...problem, message: `${problem.message}; or engage the tenant switch, which stops everything` }],
      "the tenant's engaged action kill switches are over the matching budget",
    );
  }
}
