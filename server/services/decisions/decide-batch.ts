// Deciding a batch of submissions in one transaction (group commit, issue 13): one BEGIN … COMMIT
// (one WAL flush) however many submissions, in two round trips (db/pipeline.ts): BEGIN, the
// idempotency locks and one statement that reads what was decided before and locks each tenant's
// rate bucket, then its chain head (with the pending-execution counter kept on it); then one that
// writes every row, sent with COMMIT, so the heads are held for one round trip only.
// The answers are
// those of the submissions taken one at a time in arrival order: a replay is a 200 (or a 409), and
// rate, pending cap and suspension refuse exactly the ones they would have refused.
//
// Lock order, shared with every other writer: idempotency keys (sorted), rate buckets (tenant
// order), chain heads (tenant order). Other writers take only heads, in tenant order.

import { createHash } from "node:crypto";
import type pg from "pg";
import {
  type ActionIntent,
  chainEvent,
  type DecisionInput,
  decideCompiled,
  decisionHashes,
  type EventBody,
  type IntentSubmission,
  type KillSwitchState,
} from "../../core";
import { nodeCrypto } from "../../crypto/node";
import type { PipelinedStatement } from "../../db/pipeline";
import { tenantSuspended } from "../access/authorize";
import type { Principal } from "../access/principal";
import { insertSealedManyCtes, type LockedHead, lockHeads, movedHeads, sealAfter } from "../chain/append";
import { appended } from "../chain/outbox";
import { engagedSwitchesJson, type KillSwitchRow, toKillSwitchState } from "../kill-switches/kill-switches";
import { type ActivePolicy, loadPolicy } from "../policies/versions";
import { conflict, ServiceError } from "../shared/errors";
import { iso, newId } from "../shared/ids";
import { inTransactionOpening } from "../shared/transaction";
import { type IntentResult, intentResult } from "./intent-result";

const DEFAULT_TTL_SECONDS = 600;
const approvalTtlSeconds = () => Number(process.env.EXOARMUR_APPROVAL_TTL_SECONDS ?? 3600);

/** A validated submission of an API key, ready to be decided. */
export interface Submission {
  principal: Extract<Principal, { kind: "api-key" }>;
  idempotencyKey: string;
  /** The intent as submitted, without its idempotency key. */
  submission: Omit<IntentSubmission, "idempotencyKey">;
  submissionHash: string;
  now: Date;
  /** The submitting span's W3C traceparent, when tracing is on (kept with a queued execution). */
  traceparent?: string;
}

export type SubmitOutcome = { status: 201 | 200; result: IntentResult };
/** One submission's answer: its outcome, or the refusal it gets (every other error fails the batch). */
export type Answer = SubmitOutcome | ServiceError;

interface TenantState {
  status: string;
  rate: number;
  burst: number;
  maxPending: number;
  activePolicyVersion: number | null;
  /** Tokens in the bucket now (refilled to the moment it was locked), less those this batch takes. */
  level: number;
  /** The moment `level` was computed at: the bucket's new "updatedAt". */
  at: string;
  switches: KillSwitchState[];
  pending: number;
  taken: number;
}

/** Decides `items` in one transaction; the answers are in the same order. */
export async function decideBatch(pool: pg.Pool, items: readonly Submission[]): Promise<Answer[]> {
  const answers = await decideBatchRetried(pool, items);
  if (answers.some((answer) => !(answer instanceof ServiceError) && answer.status === 201)) appended(pool);
  return answers;
}

async function decideBatchRetried(pool: pg.Pool, items: readonly Submission[]): Promise<Answer[]> {
  try {
    return await decideBatchOnce(pool, items);
  } catch (error) {
    if (!(error instanceof MissingBuckets)) throw error;
    // A tenant without a bucket row (created before buckets existed, or the row deleted by hand):
    // the transaction is rolled back, the tenant gets a full bucket, and the batch goes again.
    await pool.query(
      `INSERT INTO "RateBucket" ("tenantId", tokens, "updatedAt") SELECT id, burst, clock_timestamp() FROM "Tenant" WHERE id = ANY($1::text[]) ON CONFLICT DO NOTHING`,
      [error.tenantIds],
    );
    return decideBatchOnce(pool, items);
  }
}

class MissingBuckets extends Error {
  constructor(readonly tenantIds: string[]) {
    super(`no rate bucket for ${tenantIds.join(", ")}`);
  }
}

function decideBatchOnce(pool: pg.Pool, items: readonly Submission[]): Promise<Answer[]> {
  // Requests carrying the same key are serialized (across batches and instances): a retry that
  // races its original waits for the lock, then finds it below and replays it. The locks are taken
  // with BEGIN, in one round trip, before the statement that reads the replays (whose snapshot must
  // come after them).
  const locks = keyLocks(items.map((item) => `${item.principal.tenantId} ${item.idempotencyKey}`));
  const tenantIds = [...new Set(items.map((item) => item.principal.tenantId))].sort();
  return inTransactionOpening(
    pool,
    { preamble: locks, statement: stateStatement(tenantIds, items) },
    async (sql, opened, tx) => {
      const answers: (Answer | undefined)[] = new Array(items.length);
      const { replays, tenants, heads } = await stateFrom(sql, opened[0] as unknown as StateRow);

      // Replays, and repeats of a key earlier in this very batch, are answered once the rest is decided.
      const fresh: number[] = [];
      const firstWithKey = new Map<string, number>();
      const repeats: [number, number][] = [];
      items.forEach((item, index) => {
        const key = `${item.principal.tenantId} ${item.idempotencyKey}`;
        const stored = replays.get(key);
        if (stored) answers[index] = replayAnswer(item, stored.submissionHash, intentResult(stored));
        else if (firstWithKey.has(key)) repeats.push([index, firstWithKey.get(key)!]);
        else {
          firstWithKey.set(key, index);
          fresh.push(index);
        }
      });

      for (const [tenantId, state] of tenants) state.pending = heads.get(tenantId)!.pending;
      const rows = new BatchRows();
      const eventsByTenant = new Map<string, EventBody[]>();
      const decided: { index: number; tenantId: string; result: IntentResult; eventCount: number }[] = [];
      for (const index of fresh) {
        const item = items[index]!;
        const tenantId = item.principal.tenantId;
        const state = tenants.get(tenantId);
        if (!state) {
          answers[index] = new ServiceError("NOT_FOUND", `tenant ${tenantId} not found`);
          continue;
        }
        const refusal = admissionRefusal(tenantId, state);
        if (refusal) {
          answers[index] = refusal;
          continue;
        }
        state.level -= 1;
        state.taken += 1;
        const policy = await loadPolicy(tenantId, state.activePolicyVersion, async () => {
          const { rows: found } = await sql.query({
            name: "policy_version",
            text: `SELECT document, hash FROM "PolicyVersion" WHERE "tenantId" = $1 AND version = $2`,
            values: [tenantId, state.activePolicyVersion],
          });
          return found[0] ?? null;
        });
        const made = decideOne(item, state, policy, rows);
        if (made.executionId) state.pending += 1;
        const events = eventsByTenant.get(tenantId) ?? [];
        events.push(...made.events);
        eventsByTenant.set(tenantId, events);
        decided.push({ index, tenantId, result: made.result, eventCount: made.events.length });
      }

      if (decided.length > 0) {
        // Seal each tenant's events in arrival order after its head.
        const sealed: unknown[] = [];
        for (const tenantId of tenantIds) {
          const events = eventsByTenant.get(tenantId);
          if (events) sealed.push(...sealAfter(heads.get(tenantId)!, tenantId, events));
        }

        const buckets = [...tenants.entries()]
          .filter(([, s]) => s.taken > 0)
          .map(([tenantId, s]) => ({ tenantId, tokens: s.level, at: s.at }));
        // The tenants' heads are locked until the commit: the writes go with COMMIT, in one round trip.
        await tx.commitWith({
          name: "intent_insert_batch",
          text: INSERT_BATCH,
          values: [
            JSON.stringify(rows.intents),
            JSON.stringify(rows.decisions),
            JSON.stringify(rows.approvals),
            JSON.stringify(rows.executions),
            JSON.stringify(sealed),
            JSON.stringify(
              movedHeads(
                heads,
                tenantIds.filter((t) => eventsByTenant.has(t)),
              ),
            ),
            JSON.stringify(buckets),
            JSON.stringify(
              decided.flatMap((d) => {
                const traceparent = items[d.index]!.traceparent;
                return d.result.executionId && traceparent
                  ? [{ executionId: d.result.executionId, traceparent }]
                  : [];
              }),
            ),
          ],
        });
        for (const d of decided) answers[d.index] = { status: 201, result: d.result };
      }
      for (const [index, first] of repeats) {
        const original = answers[first]!;
        const item = items[index]!;
        answers[index] =
          original instanceof ServiceError
            ? original
            : replayAnswer(item, items[first]!.submissionHash, original.result);
      }
      return answers as Answer[];
    },
  );
}

/**
 * The advisory locks of a batch's (tenant, key) pairs, as SQL: one 64-bit number per distinct pair
 * (the first 8 bytes of its SHA-256), taken in ascending order by every batch, so none deadlock.
 */
function keyLocks(keys: readonly string[]): string {
  const ids = [
    ...new Set(keys.map((key) => createHash("sha256").update(key).digest().readBigInt64BE(0))),
  ].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `SELECT count(pg_advisory_xact_lock(k)) FROM unnest(ARRAY[${ids.join(",")}]::bigint[]) AS k`;
}

/** What the same key answers the second time: the stored result, or 409 for other content. */
function replayAnswer(item: Submission, storedHash: string, result: IntentResult): Answer {
  if (storedHash !== item.submissionHash)
    return conflict(
      `idempotency key ${item.idempotencyKey} was already used for a different intent`,
      "IDEMPOTENCY_KEY_REUSED",
    );
  return { status: 200, result };
}

/** Rate, then pending cap, then suspension: the order one submission at a time checks them in. */
function admissionRefusal(tenantId: string, state: TenantState): ServiceError | null {
  if (state.level < 1)
    return new ServiceError(
      "RATE_LIMITED",
      `tenant ${tenantId} is over its rate limit (${state.rate}/s, burst ${state.burst})`,
      { retryAfterSeconds: Math.max(1, Math.ceil((1 - state.level) / state.rate)), reason: "RATE_LIMITED" },
    );
  if (state.pending >= state.maxPending)
    return new ServiceError(
      "QUEUE_FULL",
      `tenant ${tenantId} has ${state.pending} pending executions (limit ${state.maxPending})`,
      { retryAfterSeconds: 5, reason: "QUEUE_FULL" },
    );
  if (state.status !== "active") return tenantSuspended(tenantId);
  return null;
}

/** The rows of one batch's insert, one array per table. */
class BatchRows {
  intents: unknown[] = [];
  decisions: unknown[] = [];
  approvals: unknown[] = [];
  executions: unknown[] = [];
}

/** Decides one admitted submission: its rows go into `rows`, its events (unsealed) are returned. */
function decideOne(item: Submission, state: TenantState, policy: ActivePolicy, rows: BatchRows) {
  const { principal, now } = item;
  const tenantId = principal.tenantId;
  const evaluatedAt = iso(now);
  const { execution, ...submitted } = item.submission;
  const intent: ActionIntent = {
    ...submitted,
    ...(execution === "caller" ? { execution } : {}),
    tenantId,
    idempotencyKey: item.idempotencyKey,
    requestedAt: item.submission.requestedAt ?? evaluatedAt,
    ttlSeconds: item.submission.ttlSeconds ?? DEFAULT_TTL_SECONDS,
  };
  const input: DecisionInput = {
    intent,
    policy: policy.document,
    killSwitches: state.switches,
    tenant: { id: tenantId, status: state.status as "active" },
    evaluatedAt,
  };
  const output = decideCompiled(policy.compiled, input);
  // The policy's canonical text and hash were made once, when the version was loaded.
  const hashes = decisionHashes(nodeCrypto, input, output, { policyHash: policy.hash, memo: policy.memo });
  const intentId = newId("int");
  const decisionId = newId("dec");
  const approvalId = output.verdict === "REQUIRE_APPROVAL" ? newId("apr") : null;
  const executionId = output.verdict === "ALLOW" ? newId("exe") : null;
  // An approval closes at the intent's deadline at the latest: a late quorum must not run it.
  const deadline = Date.parse(intent.requestedAt) + intent.ttlSeconds * 1000;
  const expiresAt = new Date(Math.min(now.getTime() + approvalTtlSeconds() * 1000, deadline));

  const events: EventBody[] = [
    chainEvent("intent.decided", decisionId, evaluatedAt, {
      intentId,
      policyVersion: policy.version,
      verdict: output.verdict,
      reason: output.reason,
      ...hashes,
    }),
  ];
  // The people accountable for this submission: none of them may vote on it.
  const submitters = [
    ...new Set([principal.person?.id, principal.creatorUserId].filter((p): p is string => !!p)),
  ];
  if (approvalId && output.approval) {
    events.push(
      chainEvent("approval.requested", approvalId, evaluatedAt, {
        decisionId,
        quorum: output.approval.quorum,
        roles: output.approval.roles,
        expiresAt: iso(expiresAt),
        ...(submitters.length > 0 ? { submitters } : {}),
      }),
    );
    rows.approvals.push({
      id: approvalId,
      tenantId,
      decisionId,
      intentHash: hashes.intentHash,
      quorum: output.approval.quorum,
      roles: output.approval.roles,
      requesterId: intent.actor.id,
      submitters,
      expiresAt: iso(expiresAt),
      createdAt: evaluatedAt,
    });
  }
  const byCaller = intent.execution === "caller";
  const executionStatus = byCaller ? "AWAITING_CALLER" : "QUEUED";
  if (executionId) {
    events.push(
      chainEvent(byCaller ? "execution.awaiting_caller" : "execution.queued", executionId, evaluatedAt, {
        decisionId,
      }),
    );
    rows.executions.push({
      id: executionId,
      tenantId,
      decisionId,
      status: executionStatus,
      mode: byCaller ? "caller" : "executor",
      reportDeadline: byCaller ? iso(new Date(deadline)) : null,
      at: evaluatedAt,
    });
  }
  rows.intents.push({
    id: intentId,
    tenantId,
    idempotencyKey: item.idempotencyKey,
    intentHash: hashes.intentHash,
    submissionHash: item.submissionHash,
    submittedBy: principal.id,
    body: intent,
    createdAt: evaluatedAt,
  });
  rows.decisions.push({
    id: decisionId,
    tenantId,
    intentId,
    verdict: output.verdict,
    reason: output.reason,
    decidingRule: output.decidingRule,
    action: intent.action,
    actorId: intent.actor.id,
    // The policy is referenced by version and hash, not copied into every decision.
    input: { ...input, policy: undefined },
    output,
    inputHash: hashes.inputHash,
    outputHash: hashes.outputHash,
    policyVersion: policy.version,
    policyHash: hashes.policyHash,
    at: evaluatedAt,
  });
  const result = intentResult({
    intentId,
    decisionId,
    verdict: output.verdict,
    reason: output.reason,
    matchedRules: output.matchedRules,
    decidingRule: output.decidingRule,
    approvalId,
    executionId,
    executionStatus: executionId ? executionStatus : null,
  });
  return { events, executionId, result };
}

/**
 * What the batch reads before deciding, in one statement: each tenant (its rate bucket locked),
 * the chain heads of the tenants that exist (locked after the buckets: the one lock order), and the
 * earlier decisions of the batch's keys. Sent with BEGIN and the key locks, in one round trip.
 */
function stateStatement(tenantIds: string[], items: readonly Submission[]): PipelinedStatement {
  return {
    name: "intent_state",
    text: STATE,
    values: [
      tenantIds,
      items.map((item) => item.principal.tenantId),
      items.map((item) => item.idempotencyKey),
    ],
  };
}

interface StateRow {
  tenants: TenantRow[];
  heads: HeadRow[];
  replays: ReplayRow[];
}

/**
 * That statement's row as the batch uses it. Only tenants that exist get a head (a missing one is a
 * 404, not a new chain); a tenant whose chain has no event yet gets its head created and locked here.
 */
async function stateFrom(sql: pg.PoolClient, state: StateRow) {
  const unbucketed = state.tenants.filter((t) => !t.hasBucket).map((t) => t.id);
  // The heads are locked by now: a bucket locked after them would break the lock order.
  if (unbucketed.length > 0) throw new MissingBuckets(unbucketed);
  const heads = new Map<string, LockedHead>(
    state.heads.map((h) => [h.tenantId, { seq: h.seq, hash: h.hash, pending: h.pending }]),
  );
  if (state.tenants.some((t) => !heads.has(t.id))) {
    // A tenant whose chain has no event yet: lockHeads creates its head at genesis.
    for (const [tenantId, head] of await lockHeads(
      sql,
      state.tenants.map((t) => t.id),
    ))
      heads.set(tenantId, head);
  }
  const tenants = new Map<string, TenantState>(
    state.tenants.map((t) => [
      t.id,
      {
        status: t.status,
        rate: t.rate,
        burst: t.burst,
        maxPending: t.maxPending,
        activePolicyVersion: t.activePolicyVersion,
        level: Number(t.level),
        at: t.at,
        switches: t.switches.map(toKillSwitchState),
        pending: 0,
        taken: 0,
      },
    ]),
  );
  const replays = new Map(state.replays.map((r) => [`${r.tenantId} ${r.idempotencyKey}`, r]));
  return { tenants, heads, replays };
}

interface HeadRow {
  tenantId: string;
  seq: number;
  hash: string;
  pending: number;
}

interface TenantRow {
  id: string;
  status: string;
  rate: number;
  burst: number;
  maxPending: number;
  activePolicyVersion: number | null;
  hasBucket: boolean;
  level: number;
  at: string;
  switches: KillSwitchRow[];
}

interface ReplayRow {
  tenantId: string;
  idempotencyKey: string;
  submissionHash: string;
  intentId: string;
  decisionId: string;
  verdict: string;
  reason: string;
  decidingRule: string | null;
  matchedRules: IntentResult["matchedRules"];
  approvalId: string | null;
  executionId: string | null;
  executionStatus: string | null;
}

/**
 * Each tenant of the batch with its bucket locked (in tenant order: the nested loop follows the
 * sorted subquery) and refilled to now, and its engaged kill switches; then, once every bucket is
 * locked (the array_agg reads them all first), the heads of those tenants, locked in tenant order
 * (FOR UPDATE returns each head as its last committer left it); and the stored decisions of the
 * batch's keys. A tenant without a bucket row comes back with hasBucket false (and no lock).
 */
const STATE = `
WITH tenants AS MATERIALIZED (
  SELECT t.id, t.status, t."ratePerSecond" AS rate, t.burst, t."maxPending", t."activePolicyVersion",
         r."tenantId" IS NOT NULL AS "hasBucket",
         LEAST(t.burst, r.tokens + EXTRACT(EPOCH FROM (clock_timestamp() - r."updatedAt")) * t."ratePerSecond")::float8 AS level,
         clock_timestamp() AS at,
         ${engagedSwitchesJson("t.id")} AS switches
    FROM (SELECT * FROM "Tenant" WHERE id = ANY($1::text[]) ORDER BY id COLLATE "C") t
    LEFT JOIN LATERAL (
      SELECT b."tenantId", b.tokens, b."updatedAt" FROM "RateBucket" b WHERE b."tenantId" = t.id FOR UPDATE
    ) r ON true
), heads AS MATERIALIZED (
  SELECT h."tenantId", h.seq, h.hash, h.pending FROM "ChainHead" h
   WHERE h."tenantId" = ANY((SELECT array_agg(id) FROM tenants)::text[])
   ORDER BY h."tenantId" COLLATE "C"
     FOR UPDATE
)
SELECT
  (SELECT coalesce(json_agg(t ORDER BY t.id), '[]'::json) FROM tenants t) AS tenants,
  (SELECT coalesce(json_agg(h), '[]'::json) FROM heads h) AS heads,
  (SELECT coalesce(json_agg(x), '[]'::json) FROM (
     SELECT i."tenantId", i."idempotencyKey", i."submissionHash", d.id AS "decisionId", d."intentId", d.verdict,
            d.reason, d."decidingRule", d.output -> 'matchedRules' AS "matchedRules", a.id AS "approvalId",
            e.id AS "executionId",
            -- The answer as first given: the status a decided ALLOW's execution started in.
            CASE WHEN d.verdict = 'ALLOW' THEN CASE e.mode WHEN 'caller' THEN 'AWAITING_CALLER' ELSE 'QUEUED' END END AS "executionStatus"
       FROM unnest($2::text[], $3::text[]) AS k(tenant, key)
       JOIN "Intent" i ON i."tenantId" = k.tenant AND i."idempotencyKey" = k.key
       JOIN "Decision" d ON d."intentId" = i.id
       LEFT JOIN "Approval" a ON a."decisionId" = d.id
       LEFT JOIN "Execution" e ON e."decisionId" = d.id
   ) x) AS replays`;

/** Every row of the batch in one statement (foreign keys are checked at its end). */
const INSERT_BATCH = `
WITH i AS (
  INSERT INTO "Intent" (id, "tenantId", "idempotencyKey", "intentHash", "submissionHash", "submittedBy", body, "createdAt")
  SELECT r.id, r."tenantId", r."idempotencyKey", r."intentHash", r."submissionHash", r."submittedBy", r.body, r."createdAt"
    FROM jsonb_to_recordset($1::jsonb) AS r(id text, "tenantId" text, "idempotencyKey" text, "intentHash" text, "submissionHash" text, "submittedBy" text, body jsonb, "createdAt" timestamptz)
), d AS (
  INSERT INTO "Decision" (id, "tenantId", "intentId", verdict, reason, "decidingRule", action, "actorId", input, output, "inputHash", "outputHash", "policyVersion", "policyHash", "evaluatedAt", "createdAt")
  SELECT r.id, r."tenantId", r."intentId", r.verdict, r.reason, r."decidingRule", r.action, r."actorId", r.input, r.output, r."inputHash", r."outputHash", r."policyVersion", r."policyHash", r.at, r.at
    FROM jsonb_to_recordset($2::jsonb) AS r(id text, "tenantId" text, "intentId" text, verdict text, reason text, "decidingRule" text, action text, "actorId" text, input jsonb, output jsonb, "inputHash" text, "outputHash" text, "policyVersion" int, "policyHash" text, at timestamptz)
), a AS (
  INSERT INTO "Approval" (id, "tenantId", "decisionId", "intentHash", quorum, roles, "requesterId", submitters, status, "expiresAt", "createdAt")
  SELECT r.id, r."tenantId", r."decisionId", r."intentHash", r.quorum, r.roles, r."requesterId", r.submitters, 'PENDING', r."expiresAt", r."createdAt"
    FROM jsonb_to_recordset($3::jsonb) AS r(id text, "tenantId" text, "decisionId" text, "intentHash" text, quorum int, roles text[], "requesterId" text, submitters text[], "expiresAt" timestamptz, "createdAt" timestamptz)
), x AS (
  INSERT INTO "Execution" (id, "tenantId", "decisionId", status, mode, "reportDeadline", attempts, "nextAttemptAt", "createdAt", "updatedAt")
  SELECT r.id, r."tenantId", r."decisionId", r.status, r.mode, r."reportDeadline", 0, r.at, r.at, r.at
    FROM jsonb_to_recordset($4::jsonb) AS r(id text, "tenantId" text, "decisionId" text, status text, mode text, "reportDeadline" timestamptz, at timestamptz)
), traces AS (
  -- The trace context of each queued execution whose submission was traced (tracing on).
  INSERT INTO "ExecutionTrace" ("executionId", traceparent)
  SELECT r."executionId", r.traceparent FROM jsonb_to_recordset($8::jsonb) AS r("executionId" text, traceparent text)
), ${insertSealedManyCtes({ events: "$5", heads: "$6" })}
UPDATE "RateBucket" b SET tokens = v.tokens, "updatedAt" = v.at
  FROM jsonb_to_recordset($7::jsonb) AS v("tenantId" text, tokens float8, at timestamptz)
 WHERE b."tenantId" = v."tenantId"`;
