import type { ApprovalStatus, Principal, Vote } from "./approval";
import type { DecisionOutput } from "./decide";
import type { ApprovalRequirement } from "./schemas";

/**
 * The event vocabulary that evidence bundles (and the verifier) rely on. Services write these into
 * the chain; `verifyBundle` cross-checks a bundle's sections against them.
 */
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

/** Payload of `intent.decided` (subject: the decision id): the anchor every bundle hash is checked against. */
export interface IntentDecidedPayload extends DecisionHashes {
  intentId: string;
  policyVersion: number | null;
  verdict: DecisionOutput["verdict"];
  reason: DecisionOutput["reason"];
}

/** Payload of `approval.requested` (subject: the approval id). */
export interface ApprovalRequestedPayload extends ApprovalRequirement {
  decisionId: string;
  expiresAt: string;
}

/** Payload of `approval.voted` (subject: the approval id; the event's `at` is the vote's time). */
export interface ApprovalVotedPayload {
  principal: Principal;
  role: Vote["role"];
  vote: Vote["vote"];
  reason: string | null;
}

/** Payload of `approval.resolved` (subject: the approval id). */
export interface ApprovalResolvedPayload {
  status: Exclude<ApprovalStatus, "PENDING">;
}

export function votePayload(vote: Vote): ApprovalVotedPayload {
  return { principal: vote.principal, role: vote.role, vote: vote.vote, reason: vote.reason };
}
