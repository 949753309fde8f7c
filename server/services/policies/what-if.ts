// Replay: re-run recorded decisions through the pure core. "Replay now" re-evaluates one decision's
// exact recorded input (it must agree, or something is wrong); a what-if replay swaps in another
// policy — a draft or a past version — and keeps everything else as recorded (intent, kill
// switches, tenant state, clock), so any difference is the policy's alone.

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
} from "../../core";
import type { Db } from "../../db/client";
import { requireTenantRole } from "../access/authorize";
import { MEMBER_ROLES, type Principal } from "../access/principal";
import { conflict, invalid, notFound } from "../shared/errors";
import { iso } from "../shared/ids";
import { MAX_POLICY_BYTES } from "./versions";

/** Bounds that keep one what-if from monopolising a server that also decides live intents. */
const MAX_REPLAY = 10_000;
const YIELD_EVERY = 250;
const running = new Set<string>();
const instant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 timestamp" });

const replayRequestSchema = z
  .strictObject({
    policy: z.unknown().optional(),
    version: z.number().int().min(1).optional(),
    from: instant.optional(),
    to: instant.optional(),
    limit: z.number().int().min(1).max(MAX_REPLAY).default(2_000),
  })
  .refine((r) => (r.policy === undefined) !== (r.version === undefined), {
    error: "give either a candidate policy or a version, not both",
    path: ["policy"],
  });

/** What a decision's outcome is, for comparing before and after (who must approve included). */
function outcome(o: Pick<DecisionOutput, "verdict" | "reason" | "decidingRule" | "approval">) {
  return { verdict: o.verdict, reason: o.reason, decidingRule: o.decidingRule, approval: o.approval ?? null };
}

export async function replayDecision(db: Db, principal: Principal, tenantId: string, decisionId: string) {
  requireTenantRole(principal, tenantId, MEMBER_ROLES);
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

interface ReplayChange {
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
  requireTenantRole(principal, tenantId, MEMBER_ROLES);
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
    if (JSON.stringify(request.data.policy ?? null).length > MAX_POLICY_BYTES)
      throw invalid([{ path: "policy", message: `must be at most ${MAX_POLICY_BYTES} bytes of JSON` }]);
    const parsed = parsePolicy(request.data.policy);
    if (!parsed.ok)
      throw invalid(
        parsed.errors.map((e) => ({ ...e, path: `policy${e.path ? `.${e.path}` : ""}` })),
        "candidate policy is invalid",
      );
    candidate = parsed.value;
    label = "draft";
  }
  if (running.has(tenantId))
    throw conflict("a replay of this tenant is already running; try again when it has finished");
  running.add(tenantId);
  try {
    return await evaluate(db, tenantId, candidate, label, { from, to, limit });
  } finally {
    running.delete(tenantId);
  }
}

interface Recorded {
  id: string;
  createdAt: Date;
  action: string;
  actorId: string;
  /** The recorded input without its copy of the policy (the candidate replaces it). */
  input: Omit<DecisionInput, "policy">;
  output: DecisionOutput;
}

async function evaluate(
  db: Db,
  tenantId: string,
  candidate: Policy,
  label: string,
  { from, to, limit }: { from?: string; to?: string; limit: number },
) {
  const compiled = compilePolicy(candidate);
  // Each stored input carries the policy of its day; leave it in the database.
  const rows = await db.$queryRaw<Recorded[]>`
    SELECT id, "createdAt", action, "actorId", input - 'policy' AS input, output
      FROM "Decision"
     WHERE "tenantId" = ${tenantId}
       AND (${from ?? null}::timestamptz IS NULL OR "createdAt" >= ${from ?? null}::timestamptz)
       AND (${to ?? null}::timestamptz IS NULL OR "createdAt" < ${to ?? null}::timestamptz)
     ORDER BY "createdAt" DESC, id DESC
     LIMIT ${limit}`;
  const transitions = new Map<string, { from: string; to: string; count: number }>();
  const changes: ReplayChange[] = [];
  let changed = 0;
  for (const [index, row] of rows.entries()) {
    // The pure engine is synchronous: give live requests their turn between slices.
    if (index > 0 && index % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    const before = outcome(row.output);
    const after = outcome(decideCompiled(compiled, { ...row.input, policy: candidate } as DecisionInput));
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
