import { z } from "zod";
import {
  compilePolicy,
  type DecisionInput,
  type DecisionOutput,
  decide,
  decideCompiled,
  diffJson,
  type Mismatch,
  type Policy,
  parsePolicy,
} from "../core";
import type { Db } from "../db/client";
import { invalid, notFound } from "./errors";
import { iso } from "./ids";
import type { Principal } from "./principal";
import { requireTenantRole } from "./tenants";

/**
 * Replay: re-run recorded decisions through the pure core. "Replay now" re-evaluates one decision's
 * exact recorded input (it must agree, or something is wrong); a what-if replay swaps in another
 * policy — a draft or a past version — and keeps everything else as recorded (intent, kill
 * switches, tenant state, clock), so any difference is the policy's alone.
 */
const ANY_ROLE = ["admin", "operator", "auditor"] as const;
const instant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 timestamp" });

export const replayRequestSchema = z
  .strictObject({
    policy: z.unknown().optional(),
    version: z.number().int().min(1).optional(),
    from: instant.optional(),
    to: instant.optional(),
    limit: z.number().int().min(1).max(20_000).default(2_000),
  })
  .refine((r) => (r.policy === undefined) !== (r.version === undefined), {
    error: "give either a candidate policy or a version, not both",
    path: ["policy"],
  });
export type ReplayRequest = z.input<typeof replayRequestSchema>;

/** What a decision's outcome is, for comparing before and after. */
function outcome(o: Pick<DecisionOutput, "verdict" | "reason" | "decidingRule">) {
  return { verdict: o.verdict, reason: o.reason, decidingRule: o.decidingRule };
}

export async function replayDecision(db: Db, principal: Principal, tenantId: string, decisionId: string) {
  requireTenantRole(principal, tenantId, ANY_ROLE);
  const d = await db.decision.findFirst({
    where: { id: decisionId, tenantId },
    select: { input: true, output: true },
  });
  if (!d) throw notFound(`decision ${decisionId}`);
  const recorded = d.output as unknown as DecisionOutput;
  const replayed = decide(d.input as unknown as DecisionInput);
  const differences = diffJson(recorded, replayed);
  return { recorded, replayed, same: differences.length === 0, differences };
}

export interface ReplayChange {
  decisionId: string;
  createdAt: string;
  action: string;
  actorId: string;
  before: ReturnType<typeof outcome>;
  after: ReturnType<typeof outcome>;
  differences: Mismatch[];
}

/** Cap on per-decision rows returned; counts cover every decision evaluated. */
const MAX_CHANGES = 500;

export async function replayUnderPolicy(db: Db, principal: Principal, tenantId: string, body: unknown) {
  requireTenantRole(principal, tenantId, ANY_ROLE);
  const request = replayRequestSchema.safeParse(body);
  if (!request.success)
    throw invalid(
      request.error.issues.map((i) => ({ path: i.path.join(".") || "(body)", message: i.message })),
    );
  const { from, to, limit, version } = request.data;
  let candidate: Policy;
  let label: string;
  if (version !== undefined) {
    const row = await db.policyVersion.findUnique({ where: { tenantId_version: { tenantId, version } } });
    if (!row) throw notFound(`policy version ${version}`);
    candidate = row.document as unknown as Policy;
    label = `version ${version}`;
  } else {
    const parsed = parsePolicy(request.data.policy);
    if (!parsed.ok)
      throw invalid(
        parsed.errors.map((e) => ({ ...e, path: `policy${e.path ? `.${e.path}` : ""}` })),
        "candidate policy is invalid",
      );
    candidate = parsed.value;
    label = "draft";
  }
  const compiled = compilePolicy(candidate);
  const createdAt: { gte?: Date; lt?: Date } = {};
  if (from) createdAt.gte = new Date(from);
  if (to) createdAt.lt = new Date(to);
  const rows = await db.decision.findMany({
    where: { tenantId, ...(from || to ? { createdAt } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    select: { id: true, createdAt: true, action: true, actorId: true, input: true, output: true },
  });
  const transitions = new Map<string, { from: string; to: string; count: number }>();
  const changes: ReplayChange[] = [];
  let changed = 0;
  for (const row of rows) {
    const input = row.input as unknown as DecisionInput;
    const before = outcome(row.output as unknown as DecisionOutput);
    const after = outcome(decideCompiled(compiled, { ...input, policy: candidate }));
    const differences = diffJson(before, after);
    if (differences.length === 0) continue;
    changed++;
    const key = `${before.verdict}→${after.verdict}`;
    const t = transitions.get(key) ?? { from: before.verdict, to: after.verdict, count: 0 };
    t.count++;
    transitions.set(key, t);
    if (changes.length < MAX_CHANGES)
      changes.push({
        decisionId: row.id,
        createdAt: iso(row.createdAt),
        action: row.action,
        actorId: row.actorId,
        before,
        after,
        differences,
      });
  }
  return {
    candidate: label,
    evaluated: rows.length,
    changed,
    unchanged: rows.length - changed,
    transitions: [...transitions.values()].sort((a, b) => b.count - a.count),
    changes,
    truncated: changed > changes.length,
    range: {
      from: rows.at(-1) ? iso(rows.at(-1)!.createdAt) : null,
      to: rows[0] ? iso(rows[0].createdAt) : null,
    },
  };
}
