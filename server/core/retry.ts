// What an executor attempt came to, classified by a fixed table (DESIGN.md, Defaults):
//   2xx → success; 408, 429, 5xx, network error, timeout → TRANSIENT (retried);
//   other 4xx (and 1xx/3xx: a webhook must not redirect) → PERMANENT; executor refused → PERMANENT;
//   bad executor config or parameters → INVALID; kill switch → BLOCKED; attempts used up → EXHAUSTED.

import type { CryptoProvider } from "./crypto";

const FAILURE_CLASSES = ["TRANSIENT", "PERMANENT", "INVALID", "BLOCKED", "EXHAUSTED"] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export type ExecutorOutcome =
  | { kind: "http"; status: number; retryAfterMs?: number }
  | { kind: "network"; code: string }
  | { kind: "timeout" }
  | { kind: "refused"; detail: string }
  | { kind: "invalid"; detail: string }
  | { kind: "blocked"; refusal: { reason: string; killSwitch?: string } };

export type Classification = "SUCCESS" | FailureClass;

export function classifyOutcome(outcome: ExecutorOutcome): Classification {
  switch (outcome.kind) {
    case "http": {
      const { status } = outcome;
      if (status >= 200 && status < 300) return "SUCCESS";
      if (status === 408 || status === 429 || (status >= 500 && status < 600)) return "TRANSIENT";
      return "PERMANENT";
    }
    case "network":
    case "timeout":
      return "TRANSIENT";
    case "refused":
      return "PERMANENT";
    case "invalid":
      return "INVALID";
    case "blocked":
      return "BLOCKED";
  }
}

export interface RetryConfig {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryConfig = { maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5000 };

type RetryDecision =
  | { action: "succeed" }
  | { action: "retry"; failureClass: "TRANSIENT"; delayMs: number }
  | { action: "fail"; failureClass: Exclude<FailureClass, "TRANSIENT"> };

/**
 * Delay before the retry that follows failed attempt `attempt` (1-based): exponential from
 * initialDelayMs, capped at maxDelayMs, with "equal jitter" in [base/2, base] drawn from
 * sha256(executionId:attempt) — spread like random jitter, yet the same on every replay.
 */
export function retryDelayMs(
  crypto: CryptoProvider,
  executionId: string,
  attempt: number,
  config: RetryConfig = DEFAULT_RETRY,
): number {
  const base = Math.min(config.maxDelayMs, config.initialDelayMs * 2 ** (attempt - 1));
  const unit = Number.parseInt(crypto.sha256Hex(`${executionId}:${attempt}`).slice(0, 8), 16) / 0x1_0000_0000;
  return Math.floor(base / 2 + (base / 2) * unit);
}

/** What to do after attempt `attempt` ended with `outcome`. A server's Retry-After is honoured up to the cap. */
export function nextStep(
  crypto: CryptoProvider,
  executionId: string,
  attempt: number,
  outcome: ExecutorOutcome,
  config: RetryConfig = DEFAULT_RETRY,
): RetryDecision {
  const classification = classifyOutcome(outcome);
  if (classification === "SUCCESS") return { action: "succeed" };
  if (classification !== "TRANSIENT") return { action: "fail", failureClass: classification };
  if (attempt >= config.maxAttempts) return { action: "fail", failureClass: "EXHAUSTED" };
  let delayMs = retryDelayMs(crypto, executionId, attempt, config);
  if (outcome.kind === "http" && outcome.retryAfterMs !== undefined) {
    delayMs = Math.max(delayMs, Math.min(outcome.retryAfterMs, config.maxDelayMs));
  }
  return { action: "retry", failureClass: "TRANSIENT", delayMs };
}
