import {
  type ActionIntent,
  type DecisionInput,
  decideCompiled,
  decisionHashes,
  EVENT_TYPES,
  hashJson,
  idempotencyKeySchema,
  parseIntentSubmission,
} from "../core";
import { nodeCrypto } from "../crypto/node";
import type { Db } from "../db/client";
import type { Prisma } from "../db/generated/client";
import { appendEvents, TX_OPTIONS, type Tx } from "./chain";
import { conflict, forbidden, invalid, ServiceError } from "./errors";
import { iso, newId } from "./ids";
import { engagedSwitchesFor } from "./kill-switches";
import { loadPolicy } from "./policies";
import type { Principal } from "./principal";
import { takeToken } from "./rate-limit";
import { type IntentResult, intentResult } from "./views";

export const DEFAULT_TTL_SECONDS = 600;
export const approvalTtlSeconds = () => Number(process.env.EXOARMUR_APPROVAL_TTL_SECONDS ?? 3600);

export interface SubmitOptions {
  /** The Idempotency-Key header, if the client sent one. */
  idempotencyKey?: string | null;
  now?: Date;
}

export type SubmitOutcome = { status: 201 | 200; result: IntentResult };

const withResult = { approval: { select: { id: true } }, execution: { select: { id: true } } } as const;

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

  const replayed = await findReplay(db, tenantId, idempotencyKey, submissionHash);
  if (replayed) return replayed;

  const now = options.now ?? new Date();
  try {
    return await db.$transaction(async (tx: Tx) => {
      // Serialize requests carrying the same key, so 20 concurrent retries make exactly one decision.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${tenantId} ${idempotencyKey}`}, 0))`;
      const again = await findReplay(tx, tenantId, idempotencyKey, submissionHash);
      if (again) return again;

      const tenant = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId } });
      await takeToken(tx, tenantId, tenant.ratePerSecond, tenant.burst);
      const [{ pending }] = (await tx.$queryRaw<{ pending: number }[]>`
        SELECT count(*)::int AS pending FROM "Execution" WHERE "tenantId" = ${tenantId} AND status IN ('QUEUED', 'RUNNING', 'RETRY_WAIT')`) as [
        { pending: number },
      ];
      if (pending >= tenant.maxPending) {
        throw new ServiceError(
          "QUEUE_FULL",
          `tenant ${tenantId} has ${pending} pending executions (limit ${tenant.maxPending})`,
          {
            retryAfterSeconds: 5,
            reason: "QUEUE_FULL",
          },
        );
      }

      const policy = await loadPolicy(tx, tenantId, tenant.activePolicyVersion);
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
        killSwitches: await engagedSwitchesFor(tx, tenantId),
        tenant: { id: tenant.id, status: tenant.status as "active" | "suspended" },
        evaluatedAt,
      };
      const output = decideCompiled(policy.compiled, input);
      const hashes = decisionHashes(nodeCrypto, input, output);
      const intentId = newId("int");
      const decisionId = newId("dec");

      await tx.intent.create({
        data: {
          id: intentId,
          tenantId,
          idempotencyKey,
          intentHash: hashes.intentHash,
          submissionHash,
          submittedBy: principal.id,
          body: intent as unknown as Prisma.InputJsonValue,
        },
      });
      await tx.decision.create({
        data: {
          id: decisionId,
          tenantId,
          intentId,
          verdict: output.verdict,
          reason: output.reason,
          decidingRule: output.decidingRule,
          action: intent.action,
          actorId: intent.actor.id,
          input: input as unknown as Prisma.InputJsonValue,
          output: output as unknown as Prisma.InputJsonValue,
          inputHash: hashes.inputHash,
          outputHash: hashes.outputHash,
          policyVersion: policy.version,
          evaluatedAt: now,
        },
      });
      const events: Parameters<typeof appendEvents>[2] = [
        {
          type: EVENT_TYPES.intentDecided,
          subjectId: decisionId,
          at: evaluatedAt,
          payload: {
            intentId,
            policyVersion: policy.version,
            verdict: output.verdict,
            reason: output.reason,
            ...hashes,
          },
        },
      ];
      let approvalId: string | undefined;
      let executionId: string | undefined;
      if (output.verdict === "REQUIRE_APPROVAL" && output.approval) {
        approvalId = newId("apr");
        const expiresAt = new Date(now.getTime() + approvalTtlSeconds() * 1000);
        await tx.approval.create({
          data: {
            id: approvalId,
            tenantId,
            decisionId,
            intentHash: hashes.intentHash,
            quorum: output.approval.quorum,
            roles: output.approval.roles,
            requesterId: intent.actor.id,
            status: "PENDING",
            expiresAt,
          },
        });
        events.push({
          type: EVENT_TYPES.approvalRequested,
          subjectId: approvalId,
          at: evaluatedAt,
          payload: {
            decisionId,
            quorum: output.approval.quorum,
            roles: output.approval.roles,
            expiresAt: iso(expiresAt),
          },
        });
      } else if (output.verdict === "ALLOW") {
        executionId = newId("exe");
        await tx.execution.create({
          data: { id: executionId, tenantId, decisionId, status: "QUEUED", nextAttemptAt: now },
        });
        events.push({
          type: "execution.queued",
          subjectId: executionId,
          at: evaluatedAt,
          payload: { decisionId },
        });
      }
      await appendEvents(tx, tenantId, events);
      const result: IntentResult = {
        intentId,
        decisionId,
        verdict: output.verdict,
        reason: output.reason,
        matchedRules: output.matchedRules,
        decidingRule: output.decidingRule,
        ...(approvalId ? { approvalId } : {}),
        ...(executionId ? { executionId } : {}),
      };
      return { status: 201 as const, result };
    }, TX_OPTIONS);
  } catch (error) {
    // Belt and braces: should two writers ever race past the lock, the unique index decides.
    if ((error as { code?: string }).code === "P2002") {
      const replay = await findReplay(db, tenantId, idempotencyKey, submissionHash);
      if (replay) return replay;
    }
    throw error;
  }
}

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

async function findReplay(
  db: Db | Tx,
  tenantId: string,
  idempotencyKey: string,
  submissionHash: string,
): Promise<SubmitOutcome | null> {
  const existing = await db.intent.findUnique({
    where: { tenantId_idempotencyKey: { tenantId, idempotencyKey } },
    include: { decision: { include: withResult } },
  });
  if (!existing?.decision) return null;
  if (existing.submissionHash !== submissionHash) {
    throw conflict(
      `idempotency key ${idempotencyKey} was already used for a different intent`,
      "IDEMPOTENCY_KEY_REUSED",
    );
  }
  return { status: 200, result: intentResult(existing.decision) };
}
