// The chain's event vocabulary: every event type any writer appends, with its payload. Services,
// the dispatcher and fixtures build events only through `chainEvent`, so a payload cannot drift
// between writers, and `verifyBundle` cross-checks bundles against the same names.

import type { ApprovalStatus, Principal, Vote } from "./approval";
import type { DecisionOutput } from "./decide";
import type { Classification, FailureClass } from "./retry";
import type { ApprovalRequirement } from "./schemas";

/** The names evidence bundles (and the verifier) rely on. */
export const EVENT_TYPES = {
  intentDecided: "intent.decided",
  approvalRequested: "approval.requested",
  approvalVoted: "approval.voted",
  approvalResolved: "approval.resolved",
} as const;

/** Execution events are `execution.<transition>`; any of them implies the action was permitted. */
export const EXECUTION_EVENT_PREFIX = "execution.";

export interface DecisionHashes {
  intentHash: string;
  policyHash: string;
  inputHash: string;
  outputHash: string;
}

/** Who made a change, as `principalLabel` writes it (`apiKey:…`, `user:…`, `platform-admin`, `cli`). */
type By = { by: string };

/**
 * An executor route as the chain records it. A webhook's URL often carries a token (in its path or
 * query), and the chain is immutable and streamed to every key of the tenant: it keeps only the
 * scheme and host, and the SHA-256 of the full URL to tell which URL was configured.
 */
export type ChainedExecutorRoute =
  | {
      type: "webhook";
      actions: string[];
      scheme: string;
      host: string;
      urlHash: string;
      timeoutMs: number;
      hasSecret: boolean;
    }
  | { type: "record"; actions: string[] };

/**
 * Payload of each event type, by name. The subject of each is named beside it; `at` is the
 * logical time of the change (a vote's own time for `approval.voted`).
 */
interface EventPayloads {
  /** subject: the decision — the anchor every bundle hash is checked against. */
  "intent.decided": DecisionHashes & {
    intentId: string;
    policyVersion: number | null;
    verdict: DecisionOutput["verdict"];
    reason: DecisionOutput["reason"];
  };
  /** subject: the approval. */
  "approval.requested": ApprovalRequirement & {
    decisionId: string;
    expiresAt: string;
    submitters?: string[];
  };
  /** subject: the approval; `person` is who voted, `principal` the key or session used. */
  "approval.voted": {
    principal: Principal;
    person?: Vote["person"];
    role: Vote["role"];
    vote: Vote["vote"];
    reason: string | null;
  };
  /** subject: the approval. */
  "approval.resolved": { status: Exclude<ApprovalStatus, "PENDING"> };

  /** subject: the execution, here and below. */
  "execution.queued": { decisionId: string };
  /** A switch, an expired intent or a suspended tenant stopped it: at approval, at claim or right before an attempt. */
  "execution.blocked": {
    decisionId?: string;
    attempt?: number;
    reason?: string;
    killSwitch?: string;
    failureClass: "BLOCKED";
  };
  "execution.started": { attempt: number; worker: string; reclaimedFrom?: string | null };
  /** `detail` is what the executor saw (status and body excerpt, or the error). */
  "execution.attempted": { attempt: number; class: Classification; delayMs?: number } & Record<
    string,
    unknown
  >;
  "execution.succeeded": { attempt: number };
  "execution.failed":
    | { attempt: number; failureClass: FailureClass }
    | { failureClass: "EXHAUSTED"; attempts: number; reason: string }
    | { failureClass: "INVALID"; reason: string };
  "execution.released": { attempt: number; worker: string };
  /** A caller-executed intent was allowed: it waits for its caller to start and report it. */
  "execution.awaiting_caller": { decisionId: string };
  /** The caller's last "may I" was answered yes; `by` is the key or session that asked. */
  "execution.caller_started": { by: { type: string; id: string } };
  "execution.reported": {
    outcome: "succeeded" | "failed";
    detail?: unknown;
    by: { type: string; id: string };
  };
  "execution.unreported": { deadline: string };

  /** subject: the tenant. */
  "tenant.created": By & { name: string; limits: Record<string, number> };
  "tenant.updated": By & { changes: Record<string, unknown> };
  "tenant.suspended": By & { changes: Record<string, unknown> };
  "tenant.activated": By & { changes: Record<string, unknown> };
  "tenant.executors_set": By & { routes: ChainedExecutorRoute[] };
  /** Notification channels as the chain records them: like executor webhooks, no URL and no secret. */
  "tenant.notifications_set": By & {
    channels: {
      name: string;
      type: string;
      events: string[];
      scheme: string;
      host: string;
      urlHash: string;
      timeoutMs: number;
      hasSecret: boolean;
    }[];
  };
  /** subject: the key. */
  "apikey.created": By & { role: string; name: string; forUser?: string; expiresAt?: string };
  "apikey.revoked": By;
  /** subject: the user. */
  "member.added": By & { email: string; role: string };
  "member.set": By & { email: string; role: string };
  "member.removed": By;
  /** subject: the invitation (issue 11 §6); `replaces`: pending invitations of the same email it revoked. */
  "invitation.created": By & { email: string; role: string; expiresAt: string; replaces?: string[] };
  "invitation.revoked": By & { email: string };
  /** `by` is the person who accepted (`user:<userId>`); a `member.added` for them follows. */
  "invitation.accepted": By & { email: string; role: string; userId: string };
  /** subject: `<tenant>:v<version>`. */
  "policy.activated": By & {
    version: number;
    hash: string;
    rules?: number;
    /** The author's change note, and what the change weakens (policyChangeWarnings), when any. */
    note?: string;
    warnings?: string[];
    /** Four eyes: the author of the version this admin activated. */
    proposedBy?: string;
  };
  /** Four eyes: a version saved for another admin to activate. subject: `<tenant>:v<version>`. */
  "policy.proposed": By & {
    version: number;
    hash: string;
    rules: number;
    note?: string;
    warnings?: string[];
  };
  /** Four eyes: a proposed version turned down (or withdrawn by its author). */
  "policy.rejected": By & { version: number; reason: string };
  /** subject: the switch id; on the platform chain for the global switch. */
  "killswitch.engaged": By & { scope: string; tenantId?: string; action?: string; reason: string };
  "killswitch.released": By & { scope: string; tenantId?: string; action?: string; reason: string };
}

type EventType = keyof EventPayloads;

/** An event before the chain gives it a tenant, seq and hashes. */
export interface EventBody {
  type: string;
  subjectId: string;
  at: string;
  payload: Record<string, unknown>;
}

/** The one way to make an event: a known type and its payload. */
export function chainEvent<T extends EventType>(
  type: T,
  subjectId: string,
  at: string,
  payload: EventPayloads[T],
): EventBody {
  return { type, subjectId, at, payload: payload as Record<string, unknown> };
}

/** A vote as its `approval.voted` event (its `at` is the vote's own time). */
export function voteEvent(approvalId: string, vote: Vote): EventBody {
  return chainEvent("approval.voted", approvalId, vote.at, {
    principal: vote.principal,
    ...(vote.person ? { person: vote.person } : {}),
    role: vote.role,
    vote: vote.vote,
    reason: vote.reason,
  });
}
