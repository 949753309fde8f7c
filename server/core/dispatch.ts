// The dispatcher's decisions, pure: what a claimed execution becomes, and what an attempt's result
// makes of it. The worker (server/exec) only reads rows, calls these and writes what they say.

import type { CryptoProvider } from "./crypto";
import { blockingSwitch, type KillSwitchReason } from "./decide";
import { chainEvent, type EventBody } from "./events";
import { type ExecutorOutcome, type FailureClass, nextStep, type RetryConfig } from "./retry";
import type { KillSwitchState } from "./schemas";
import { addSeconds, compareInstants, parseInstant } from "./time";

type ExecutionStatus = "QUEUED" | "RUNNING" | "RETRY_WAIT" | "SUCCEEDED" | "FAILED" | "BLOCKED";

/** Why an allowed action may no longer run: the same precedence as `decide`, re-applied at dispatch. */
export type DispatchRefusal =
  | { reason: "TENANT_SUSPENDED" }
  | { reason: KillSwitchReason; killSwitch: string }
  | { reason: "INTENT_EXPIRED" };

/** What still has to hold when an execution is claimed and right before each attempt is sent. */
export interface DispatchConditions {
  tenantId: string;
  tenantStatus: string;
  action: string;
  requestedAt: string;
  ttlSeconds: number;
  /** Engaged switches that may apply (global and the tenant's). */
  switches: readonly KillSwitchState[];
  now: string;
}

export function dispatchRefusal(c: DispatchConditions): DispatchRefusal | null {
  if (c.tenantStatus !== "active") return { reason: "TENANT_SUSPENDED" };
  const blocker = blockingSwitch(c.switches, c.tenantId, c.action);
  if (blocker) return { reason: blocker.reason, killSwitch: blocker.id };
  const deadline = addSeconds(parseInstant(c.requestedAt), c.ttlSeconds);
  if (compareInstants(parseInstant(c.now), deadline) > 0) return { reason: "INTENT_EXPIRED" };
  return null;
}

/** A due (or lease-expired) execution as the claim read it, with what applies to it now. */
export interface ClaimCandidate {
  executionId: string;
  /** Attempts made so far. */
  attempts: number;
  /** RUNNING means its worker's lease expired: the worker died mid-attempt. */
  status: ExecutionStatus;
  leaseOwner: string | null;
  /** An ALLOW decision or an APPROVED approval stands behind it. */
  permitted: boolean;
  /** Why it may no longer run, if it may not (`dispatchRefusal`). */
  refusal: DispatchRefusal | null;
}

type ClaimTransition =
  | { kind: "end"; status: "BLOCKED" | "FAILED"; failureClass: FailureClass; event: EventBody }
  | { kind: "start"; attempt: number; event: EventBody };

/** At claim time: a switch or a missing permission ends it unsent; a spent attempt cap ends it; else it starts. */
export function claimTransition(
  c: ClaimCandidate,
  workerId: string,
  at: string,
  retry: RetryConfig,
): ClaimTransition {
  if (c.refusal) {
    return {
      kind: "end",
      status: "BLOCKED",
      failureClass: "BLOCKED",
      event: chainEvent("execution.blocked", c.executionId, at, { ...c.refusal, failureClass: "BLOCKED" }),
    };
  }
  if (!c.permitted) {
    return {
      kind: "end",
      status: "FAILED",
      failureClass: "INVALID",
      event: chainEvent("execution.failed", c.executionId, at, {
        failureClass: "INVALID",
        reason: "no ALLOW decision or APPROVED approval",
      }),
    };
  }
  if (c.attempts >= retry.maxAttempts) {
    // The last allowed attempt's worker died before recording it: the cap holds.
    return {
      kind: "end",
      status: "FAILED",
      failureClass: "EXHAUSTED",
      event: chainEvent("execution.failed", c.executionId, at, {
        failureClass: "EXHAUSTED",
        attempts: c.attempts,
        reason: "lease expired on the last attempt",
      }),
    };
  }
  const attempt = c.attempts + 1;
  const reclaimed = c.status === "RUNNING";
  return {
    kind: "start",
    attempt,
    event: chainEvent("execution.started", c.executionId, at, {
      attempt,
      worker: workerId,
      ...(reclaimed ? { reclaimedFrom: c.leaseOwner } : {}),
    }),
  };
}

interface AttemptTransition {
  status: "SUCCEEDED" | "RETRY_WAIT" | "FAILED" | "BLOCKED";
  failureClass: FailureClass | null;
  /** Delay before the next attempt, for RETRY_WAIT. */
  delayMs: number | null;
  events: EventBody[];
}

/** After an attempt: the core's retry schedule decides; every attempt is an event with what the executor saw. */
export function attemptTransition(
  crypto: CryptoProvider,
  executionId: string,
  attempt: number,
  result: { outcome: ExecutorOutcome; detail: Record<string, unknown> },
  at: string,
  retry: RetryConfig,
): AttemptTransition {
  if (result.outcome.kind === "blocked") {
    // Refused right before it was sent: nothing reached the executor.
    return {
      status: "BLOCKED",
      failureClass: "BLOCKED",
      delayMs: null,
      events: [
        chainEvent("execution.blocked", executionId, at, {
          attempt,
          ...result.outcome.refusal,
          failureClass: "BLOCKED",
        }),
      ],
    };
  }
  const step = nextStep(crypto, executionId, attempt, result.outcome, retry);
  if (step.action === "succeed") {
    return {
      status: "SUCCEEDED",
      failureClass: null,
      delayMs: null,
      events: [
        chainEvent("execution.attempted", executionId, at, { attempt, class: "SUCCESS", ...result.detail }),
        chainEvent("execution.succeeded", executionId, at, { attempt }),
      ],
    };
  }
  if (step.action === "retry") {
    return {
      status: "RETRY_WAIT",
      failureClass: "TRANSIENT",
      delayMs: step.delayMs,
      events: [
        chainEvent("execution.attempted", executionId, at, {
          attempt,
          class: "TRANSIENT",
          delayMs: step.delayMs,
          ...result.detail,
        }),
      ],
    };
  }
  // An exhausted execution's last attempt was itself transient.
  const attemptClass = step.failureClass === "EXHAUSTED" ? "TRANSIENT" : step.failureClass;
  return {
    status: "FAILED",
    failureClass: step.failureClass,
    delayMs: null,
    events: [
      chainEvent("execution.attempted", executionId, at, { attempt, class: attemptClass, ...result.detail }),
      chainEvent("execution.failed", executionId, at, { attempt, failureClass: step.failureClass }),
    ],
  };
}
