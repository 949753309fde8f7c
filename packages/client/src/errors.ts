// What the client throws. Every refusal the server answers becomes an ExoArmurError carrying its
// machine-readable code and reason, the fields it names and, for 429/503, how long to wait.

export interface FieldError {
  path: string;
  message: string;
}

export class ExoArmurError extends Error {
  override readonly name = "ExoArmurError";
  constructor(
    message: string,
    /** The server's error code (INVALID, FORBIDDEN, NOT_FOUND, CONFLICT, RATE_LIMITED…), or NETWORK / TIMEOUT. */
    readonly code: string,
    /** The HTTP status, or 0 when no answer arrived. */
    readonly status: number,
    readonly fields: FieldError[] = [],
    /** A finer reason where the server gives one (IDEMPOTENCY_KEY_REUSED, QUEUE_FULL, SELF_APPROVAL…). */
    readonly reason?: string,
    /** From Retry-After, when the server sent one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** `guard` and `awaitOutcome`'s callers: the action may not run, and why. */
export class ActionDenied extends Error {
  override readonly name = "ActionDenied";
  constructor(
    message: string,
    /**
     * DENY (the policy or a switch at decision time), DENIED (people said no), EXPIRED (nobody
     * decided in time) or BLOCKED (allowed, but a kill switch, the intent's deadline or a suspended
     * tenant stopped it right before it would have run).
     */
    readonly outcome: "DENY" | "DENIED" | "EXPIRED" | "BLOCKED",
    readonly decisionId: string,
    readonly reason: string,
    readonly decidingRule: string | null,
    /** The execution that was stopped (BLOCKED only). */
    readonly executionId?: string,
  ) {
    super(message);
  }
}
