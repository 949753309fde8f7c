import type pg from "pg";
import {
  type ActionIntent,
  chainEvent,
  type DecisionInput,
  decideCompiled,
  decisionHashes,
  type EventBody,
  hashJson,
  idempotencyKeySchema,
  type KillSwitchState,
  parseIntentSubmission,
} from "../../core";
import { nodeCrypto } from "../../crypto/node";
import type { Db } from "../../db/client";
import { tenantSuspended } from "../access/authorize";
import type { Principal } from "../access/principal";
import { insertSealedCte, insertSealedParams, sealAfterHead } from "../chain/append";
import { type KillSwitchRow, toKillSwitchState } from "../kill-switches/kill-switches";
import { loadPolicy } from "../policies/versions";
import { conflict, forbidden, invalid, ServiceError } from "../shared/errors";
import { iso, newId } from "../shared/ids";
import { inTransaction } from "../shared/transaction";
import { type IntentResult, intentResult } from "./intent-result";

const DEFAULT_TTL_SECONDS = 600;
/** How far a client's requestedAt may run ahead of the server's clock. */
const MAX_CLOCK_AHEAD_MS = 5 * 60_000;
const approvalTtlSeconds = () => Number(process.env.EXOARMUR_APPROVAL_TTL_SECONDS ?? 3600);

interface SubmitOptions {
  /** The Idempotency-Key header, if the client sent one. */
  idempotencyKey?: string | null;
  now?: Date;
}

type SubmitOutcome = { status: 201 | 200; result: IntentResult };

/**
 * submitIntent: validate → idempotency on (tenant, key) → admission (rate, pending cap) → tenant,
 * active policy, kill switches → decide → intent, decision, chain events and an approval or a
 * queued execution, all in one transaction. Same key + same content replays the stored result
 * without re-evaluating; same key + other content is a 409.
 */
export async function submitIntent(
  db: Db,
  principal: Principal,
  body: unknown,
  options: SubmitOptions = {},
): Promise<SubmitOutcome> {
  if (principal.kind !== "api-key") throw forbidden("intents are submitted with a tenant's client API key");
  if (principal.role !== "client" && principal.role !== "admin") {
    throw forbidden(`submitting intents needs the client role; the key has ${principal.role}`);
  }
  const parsed = parseIntentSubmission(body);
  if (!parsed.ok) throw invalid(parsed.errors, "intent is invalid");
  const { idempotencyKey: fromBody, ...submission } = parsed.value;
  if (submission.tenantId !== undefined && submission.tenantId !== principal.tenantId) {
    throw forbidden(`tenantId ${submission.tenantId} is not the tenant of this API key`);
  }
  const idempotencyKey = resolveIdempotencyKey(options.idempotencyKey, fromBody);
  const tenantId = principal.tenantId;
  const submissionHash = hashJson(nodeCrypto, { ...submission, tenantId });

  const now = options.now ?? new Date();
  // A far-future requestedAt would keep the intent's TTL from ever lapsing.
  if (
    submission.requestedAt !== undefined &&
    Date.parse(submission.requestedAt) > now.getTime() + MAX_CLOCK_AHEAD_MS
  ) {
    throw invalid([
      {
        path: "requestedAt",
        message: `is more than ${MAX_CLOCK_AHEAD_MS / 60_000} minutes ahead of the server's clock (${iso(now)})`,
      },
    ]);
  }
  const decideInTransaction = () =>
    inTransaction(db.pool, async (sql) => {
      // Serialize requests carrying the same key, so 20 concurrent retries make exactly one decision.
      await sql.query({
        name: "intent_lock",
        text: "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        values: [`${tenantId} ${idempotencyKey}`],
      });
      const replay = await findReplay(sql, tenantId, idempotencyKey, submissionHash);
      if (replay) return replay;

      const state = await admit(sql, tenantId);
      if (state.status !== "active") throw tenantSuspended(tenantId);
      // Read on this transaction's connection: a second pool checkout per request could deadlock the pool.
      const policy = await loadPolicy(tenantId, state.activePolicyVersion, async () => {
        const { rows } = await sql.query(
          `SELECT document, hash FROM "PolicyVersion" WHERE "tenantId" = $1 AND version = $2`,
          [tenantId, state.activePolicyVersion],
        );
        return rows[0] ?? null;
      });
      const evaluatedAt = iso(now);
      const intent: ActionIntent = {
        ...submission,
        tenantId,
        idempotencyKey,
        requestedAt: submission.requestedAt ?? evaluatedAt,
        ttlSeconds: submission.ttlSeconds ?? DEFAULT_TTL_SECONDS,
      };
      const input: DecisionInput = {
        intent,
        policy: policy.document,
        killSwitches: state.switches,
        tenant: { id: tenantId, status: state.status },
        evaluatedAt,
      };
      const output = decideCompiled(policy.compiled, input);
      const hashes = decisionHashes(nodeCrypto, input, output);
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
      }
      if (executionId) events.push(chainEvent("execution.queued", executionId, evaluatedAt, { decisionId }));
      const sealed = await sealAfterHead(sql, tenantId, events);

      await sql.query({
        name: "intent_insert",
        text: INSERT_DECISION,
        values: [
          intentId,
          tenantId,
          idempotencyKey,
          hashes.intentHash,
          submissionHash,
          principal.id,
          JSON.stringify(intent),
          now,
          decisionId,
          output.verdict,
          output.reason,
          output.decidingRule,
          intent.action,
          intent.actor.id,
          // The policy is referenced by version and hash, not copied into every decision.
          JSON.stringify({ ...input, policy: undefined }),
          JSON.stringify(output),
          hashes.inputHash,
          hashes.outputHash,
          policy.version,
          approvalId,
          output.approval?.quorum ?? null,
          output.approval?.roles ?? null,
          expiresAt,
          executionId,
          ...insertSealedParams(sealed),
          submitters,
          hashes.policyHash,
        ],
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
      });
      return { status: 201 as const, result };
    });
  // The global bucket first, in its own statement; given back unless a new decision is committed.
  await takeGlobal(db.pool);
  let decided = false;
  try {
    const outcome = await decideInTransaction();
    decided = outcome.status === 201;
    return outcome;
  } finally {
    if (!decided) await refundGlobal(db.pool);
  }
}

/**
 * The platform-wide admission bucket (issue 11 §3): `EXOARMUR_GLOBAL_RATE` intents per second with
 * a burst of `EXOARMUR_GLOBAL_BURST` (default twice the rate), shared by every tenant and every app
 * instance on the database. The default is above what one instance of this machine decides
 * (docs/BENCHMARKS.md: 160–230 decisions/s over HTTP) and above the default tenant rate (200/s), so
 * no single tenant can take every admission slot, and the database is not flooded by many instances.
 */
export const DEFAULT_GLOBAL_RATE = 500;
let globalConfigCache: { raw: string; rate: number; burst: number } | null = null;

export function globalAdmission(): { rate: number; burst: number } {
  const rawRate = process.env.EXOARMUR_GLOBAL_RATE ?? "";
  const rawBurst = process.env.EXOARMUR_GLOBAL_BURST ?? "";
  const raw = `${rawRate}|${rawBurst}`;
  if (globalConfigCache?.raw === raw) return globalConfigCache;
  const rate = rawRate === "" ? DEFAULT_GLOBAL_RATE : Number(rawRate);
  if (!Number.isFinite(rate) || rate <= 0)
    throw new Error(`EXOARMUR_GLOBAL_RATE must be a positive number of intents per second, not "${rawRate}"`);
  const burst = rawBurst === "" ? Math.max(1, Math.ceil(rate * 2)) : Number(rawBurst);
  if (!Number.isInteger(burst) || burst < 1)
    throw new Error(`EXOARMUR_GLOBAL_BURST must be a whole number of at least 1, not "${rawBurst}"`);
  globalConfigCache = { raw, rate, burst };
  return globalConfigCache;
}

/**
 * Takes one token from the global bucket in its own short statement (autocommit, before the
 * submission's transaction): its row lock is held for microseconds, not for the whole decision —
 * held to the transaction's end it serialized every tenant's submissions (measured in-process,
 * 8 tenants × 16 submitters: ~130/s instead of ~490/s). The row lock makes it exact across app
 * instances. A submission that ends without a new decision gives its token back (`refundGlobal`).
 */
async function takeGlobal(pool: pg.Pool): Promise<void> {
  const { rate, burst } = globalAdmission();
  let row = (await pool.query({ name: "global_take", text: TAKE_GLOBAL, values: [rate, burst] })).rows[0] as
    | { level: number; taken: number }
    | undefined;
  if (!row) {
    // The row deleted by hand: recreate it full (the migration seeds it).
    await pool.query(
      `INSERT INTO "GlobalRateBucket" (id, tokens, "updatedAt") VALUES (1, 'Infinity', clock_timestamp()) ON CONFLICT DO NOTHING`,
    );
    row = (await pool.query({ name: "global_take", text: TAKE_GLOBAL, values: [rate, burst] })).rows[0];
  }
  if (row && row.taken === 1) return;
  throw new ServiceError(
    "RATE_LIMITED",
    `the platform is over its global admission rate (${rate}/s, burst ${burst}); try again later`,
    { retryAfterSeconds: retryAfter(Number(row?.level ?? 0), rate), reason: "GLOBAL_RATE_LIMITED" },
  );
}

/** Gives back a global token taken by a submission that made no new decision (refused, replayed, failed). */
async function refundGlobal(pool: pg.Pool): Promise<void> {
  const { burst } = globalAdmission();
  await pool.query({ name: "global_refund", text: REFUND_GLOBAL, values: [burst] }).catch(() => {}); // the original outcome matters more; an unreturned token refills at the rate
}

/** Whole seconds until a bucket holds one token again (at least 1). */
const retryAfter = (tokens: number, rate: number) => Math.max(1, Math.ceil((1 - tokens) / rate));

/** $1 rate, $2 burst: the refilled level of the locked row; debited only when it holds a token. */
const TAKE_GLOBAL = `
WITH g AS (
  SELECT LEAST($2::float8, tokens + EXTRACT(EPOCH FROM (clock_timestamp() - "updatedAt")) * $1::float8) AS level
    FROM "GlobalRateBucket" WHERE id = 1 FOR UPDATE
), u AS (
  UPDATE "GlobalRateBucket" x SET tokens = g.level - 1, "updatedAt" = clock_timestamp()
    FROM g WHERE x.id = 1 AND g.level >= 1
  RETURNING 1
)
SELECT g.level, (SELECT count(*) FROM u)::int AS taken FROM g`;

const REFUND_GLOBAL = `UPDATE "GlobalRateBucket" SET tokens = LEAST($1::float8, tokens + 1) WHERE id = 1`;

interface AdmittedState {
  status: "active" | "suspended";
  activePolicyVersion: number | null;
  switches: KillSwitchState[];
}

/**
 * Admission and everything the decision reads, in one statement: the tenant, a token from its
 * bucket (the UPDATE's row lock serializes one tenant's submitters across app instances), the
 * pending-execution count and the engaged kill switches.
 */
async function admit(sql: pg.PoolClient, tenantId: string): Promise<AdmittedState> {
  const { rows } = await sql.query({ name: "intent_admit", text: ADMIT, values: [tenantId] });
  const row = rows[0] as
    | {
        status: string;
        burst: number;
        rate: number;
        maxPending: number;
        activePolicyVersion: number | null;
        taken: number;
        pending: number;
        switches: KillSwitchRow[];
      }
    | undefined;
  if (!row) throw new ServiceError("NOT_FOUND", `tenant ${tenantId} not found`);
  if (row.taken === 0) {
    const bucket = await sql.query(
      'SELECT tokens, extract(epoch FROM clock_timestamp() - "updatedAt")::float8 AS age FROM "RateBucket" WHERE "tenantId" = $1',
      [tenantId],
    );
    if (bucket.rowCount === 0) {
      // A tenant created before buckets existed: give it a full bucket and admit this request.
      await sql.query(
        `INSERT INTO "RateBucket" ("tenantId", tokens, "updatedAt") VALUES ($1, $2, clock_timestamp()) ON CONFLICT DO NOTHING`,
        [tenantId, row.burst - 1],
      );
    } else {
      const tokens = Math.min(
        row.burst,
        Number(bucket.rows[0].tokens) + Number(bucket.rows[0].age) * row.rate,
      );
      throw new ServiceError(
        "RATE_LIMITED",
        `tenant ${tenantId} is over its rate limit (${row.rate}/s, burst ${row.burst})`,
        {
          retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / row.rate)),
          reason: "RATE_LIMITED",
        },
      );
    }
  }
  if (row.pending >= row.maxPending) {
    throw new ServiceError(
      "QUEUE_FULL",
      `tenant ${tenantId} has ${row.pending} pending executions (limit ${row.maxPending})`,
      {
        retryAfterSeconds: 5,
        reason: "QUEUE_FULL",
      },
    );
  }
  return {
    status: row.status as AdmittedState["status"],
    activePolicyVersion: row.activePolicyVersion,
    switches: row.switches.map(toKillSwitchState),
  };
}

const ADMIT = `
WITH t AS (
  SELECT id, status, "ratePerSecond" AS rate, burst, "maxPending", "activePolicyVersion" FROM "Tenant" WHERE id = $1
), taken AS (
  UPDATE "RateBucket" r
     SET tokens = LEAST(t.burst, r.tokens + EXTRACT(EPOCH FROM (clock_timestamp() - r."updatedAt")) * t.rate) - 1,
         "updatedAt" = clock_timestamp()
    FROM t
   WHERE r."tenantId" = t.id
     AND LEAST(t.burst, r.tokens + EXTRACT(EPOCH FROM (clock_timestamp() - r."updatedAt")) * t.rate) >= 1
  RETURNING r.tokens
)
SELECT t.status, t.rate, t.burst, t."maxPending", t."activePolicyVersion",
       (SELECT count(*) FROM taken)::int AS taken,
       (SELECT count(*) FROM "Execution" e WHERE e."tenantId" = $1 AND e.status IN ('QUEUED', 'RUNNING', 'RETRY_WAIT'))::int AS pending,
       (SELECT coalesce(json_agg(json_build_object('id', k.id, 'scope', k.scope, 'tenantId', k."tenantId", 'action', k.action, 'engaged', k.engaged, 'reason', k.reason) ORDER BY k.id), '[]'::json)
          FROM "KillSwitch" k WHERE k.engaged AND (k.scope = 'global' OR k."tenantId" = $1)) AS switches
  FROM t`;

/** Every row of one decision in one statement (foreign keys are checked at its end). */
const INSERT_DECISION = `
WITH i AS (
  INSERT INTO "Intent" (id, "tenantId", "idempotencyKey", "intentHash", "submissionHash", "submittedBy", body, "createdAt")
  VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
), d AS (
  INSERT INTO "Decision" (id, "tenantId", "intentId", verdict, reason, "decidingRule", action, "actorId", input, output, "inputHash", "outputHash", "policyVersion", "policyHash", "evaluatedAt", "createdAt")
  VALUES ($9, $2, $1, $10, $11, $12, $13, $14, $15::jsonb, $16::jsonb, $17, $18, $19, $29, $8, $8)
), a AS (
  INSERT INTO "Approval" (id, "tenantId", "decisionId", "intentHash", quorum, roles, "requesterId", submitters, status, "expiresAt", "createdAt")
  SELECT $20, $2, $9, $4, $21, $22::text[], $14, $28::text[], 'PENDING', $23, $8 WHERE $20::text IS NOT NULL
), x AS (
  INSERT INTO "Execution" (id, "tenantId", "decisionId", status, attempts, "nextAttemptAt", "createdAt", "updatedAt")
  SELECT $24, $2, $9, 'QUEUED', 0, $8, $8, $8 WHERE $24::text IS NOT NULL
), ${insertSealedCte({ events: "$25", seq: "$26", hash: "$27", tenant: "$2" })}`;

function resolveIdempotencyKey(header: string | null | undefined, fromBody: string | undefined): string {
  if (header !== undefined && header !== null) {
    const checked = idempotencyKeySchema.safeParse(header);
    if (!checked.success)
      throw invalid([{ path: "Idempotency-Key", message: checked.error.issues[0]?.message ?? "is invalid" }]);
    if (fromBody !== undefined && fromBody !== header) {
      throw invalid([{ path: "idempotencyKey", message: "differs from the Idempotency-Key header" }]);
    }
    return header;
  }
  if (fromBody === undefined) {
    throw invalid([
      {
        path: "idempotencyKey",
        message: "is required (the Idempotency-Key header or the idempotencyKey field)",
      },
    ]);
  }
  return fromBody;
}

const REPLAY = `
SELECT i."submissionHash", d.id AS "decisionId", d."intentId", d.verdict, d.reason, d."decidingRule",
       d.output -> 'matchedRules' AS "matchedRules", a.id AS "approvalId", e.id AS "executionId"
  FROM "Intent" i
  JOIN "Decision" d ON d."intentId" = i.id
  LEFT JOIN "Approval" a ON a."decisionId" = d.id
  LEFT JOIN "Execution" e ON e."decisionId" = d.id
 WHERE i."tenantId" = $1 AND i."idempotencyKey" = $2`;

async function findReplay(
  sql: pg.PoolClient,
  tenantId: string,
  idempotencyKey: string,
  submissionHash: string,
): Promise<SubmitOutcome | null> {
  const { rows } = await sql.query({
    name: "intent_replay",
    text: REPLAY,
    values: [tenantId, idempotencyKey],
  });
  const row = rows[0];
  if (!row) return null;
  if (row.submissionHash !== submissionHash) {
    throw conflict(
      `idempotency key ${idempotencyKey} was already used for a different intent`,
      "IDEMPOTENCY_KEY_REUSED",
    );
  }
  return { status: 200, result: intentResult(row) };
}
