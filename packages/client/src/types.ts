// The REST contract as the client sees it (the server's OpenAPI document at /api/v1/openapi.json
// describes the same shapes; tests/sdk checks these against the server's own types).

export type ActionClass = "A0_observe" | "A1_soft" | "A2_hard" | "A3_irreversible";
export type Verdict = "ALLOW" | "DENY" | "REQUIRE_APPROVAL";

export interface IntentInput {
  actor: { type: string; id: string };
  action: string;
  actionClass: ActionClass;
  target: string;
  parameters: Record<string, unknown>;
  /** Defaults to the server's clock at the decision. */
  requestedAt?: string;
  /** How long the intent stays valid (default 600). An approval closes at this deadline at the latest. */
  ttlSeconds?: number;
  correlationId?: string;
  /**
   * Who acts once it is allowed: an executor the server dispatches to (`"executor"`, the default), or
   * the caller itself (`"caller"`: `guard` and the MCP gateway), which asks `startExecution` right
   * before acting and reports the outcome. Part of the intent: the same key with another mode is a 409.
   */
  execution?: ExecutionMode;
}

export type ExecutionMode = "executor" | "caller";

export interface MatchedRule {
  id: string;
  effect: "allow" | "deny" | "require_approval";
}

export interface IntentResult {
  intentId: string;
  decisionId: string;
  verdict: Verdict;
  reason: string;
  matchedRules: MatchedRule[];
  decidingRule: string | null;
  approvalId?: string;
  executionId?: string;
  /** The execution's status when it was created (`AWAITING_CALLER` for a caller-executed intent). */
  executionStatus?: string;
}

export type ApprovalStatus = "PENDING" | "APPROVED" | "DENIED" | "EXPIRED";

export interface Vote {
  /** The key or session used. */
  principal: { type: "user" | "apiKey"; id: string };
  /** The person the vote counts for. */
  person?: { id: string; email: string };
  role: string;
  vote: "approve" | "deny";
  reason: string | null;
  at: string;
}

/** What a caller reported about its own action (`reportOutcome`). */
export interface ExecutionReport {
  outcome: "succeeded" | "failed";
  detail?: unknown;
}

export interface Execution {
  id: string;
  decisionId: string;
  /**
   * QUEUED, RUNNING, RETRY_WAIT, SUCCEEDED, FAILED, BLOCKED; for a caller-executed intent
   * AWAITING_CALLER → RUNNING → SUCCEEDED | FAILED, or UNREPORTED once its TTL passed unreported.
   */
  status: string;
  /** `executor` (the server dispatches it) or `caller` (`guard`, the MCP gateway: started and reported by the caller). */
  mode: string;
  /** What the caller reported (`outcome` is `succeeded` or `failed`); null until then, and for an executor's. */
  report: { outcome: string; detail?: unknown } | null;
  /** A caller-executed intent's deadline to report by (then UNREPORTED); null for an executor's. */
  reportDeadline: string | null;
  attempts: number;
  failureClass: string | null;
  nextAttemptAt: string;
  createdAt: string;
  updatedAt: string;
}

export interface Decision extends IntentResult {
  tenantId: string;
  policyVersion: number | null;
  evaluatedAt: string;
  inputHash: string;
  outputHash: string;
  intent: IntentInput & { tenantId: string; idempotencyKey: string; requestedAt: string; ttlSeconds: number };
  killSwitch?: string | null;
  approval: {
    id: string;
    status: ApprovalStatus;
    quorum: number;
    roles: string[];
    approvals: number;
    expiresAt: string;
    votes: Vote[];
  } | null;
  execution: Execution | null;
}

export interface ExecutionDetail extends Execution {
  /** Attempts that may have reached the executor twice (at-least-once, same Idempotency-Key). */
  redeliveries: number;
  events: { seq: number; type: string; at: string; payload: unknown }[];
}

/** The signed evidence bundle: verify it offline with `verifyEvidence`. */
export interface EvidenceBundle {
  schema: string;
  engineVersion: string;
  subject: { tenantId: string; intentId: string; decisionId: string; policyVersion: number | null };
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  intentHash: string;
  policyHash: string;
  inputHash: string;
  outputHash: string;
  approval: Record<string, unknown> | null;
  events: Record<string, unknown>[];
  signature: { alg: "Ed25519"; keyId: string; publicKey: string; value: string };
}

/** The final outcome of a decision, once nothing more will change it. */
export type Outcome =
  | { outcome: "ALLOW"; decision: Decision }
  | { outcome: "DENY"; decision: Decision }
  | { outcome: "APPROVED"; decision: Decision }
  | { outcome: "DENIED"; decision: Decision }
  | { outcome: "EXPIRED"; decision: Decision };
