// Approval rules as a pure fold over the votes, so the server (when a vote arrives) and the
// verifier (when it replays an evidence bundle) cannot disagree about the outcome:
//   - votes are taken in order; once APPROVED, DENIED or EXPIRED, no vote counts;
//   - a vote at or after expiresAt is refused; an approval past expiresAt is EXPIRED;
//   - only the allowed roles vote; nobody accountable for the submission votes on it (the
//     requesting actor, and the people behind the submitting key: `submitters`);
//   - one vote per person (whichever key or session they use), and per principal; a deny needs a
//     reason and ends the approval DENIED;
//   - `quorum` approvals — distinct people — end it APPROVED.

import { z } from "zod";
import { type APPROVER_ROLES, nameString, timestampSchema } from "./schemas";
import { compareInstants, parseInstant } from "./time";

export const APPROVAL_STATUSES = ["PENDING", "APPROVED", "DENIED", "EXPIRED"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

const VOTE_REFUSALS = [
  "APPROVAL_CLOSED",
  "EXPIRED",
  "ROLE_NOT_ALLOWED",
  "SELF_APPROVAL",
  "ALREADY_VOTED",
  "REASON_REQUIRED",
] as const;
export type VoteRefusal = (typeof VOTE_REFUSALS)[number];

const principalSchema = z.strictObject({
  type: z.enum(["user", "apiKey"], { error: "must be user or apiKey" }),
  id: nameString(),
});
export type Principal = z.infer<typeof principalSchema>;

/** The person behind a vote: the signed-in user, or the user the voting key acts for. */
const personSchema = z.strictObject({ id: nameString(), email: nameString(254) });
export type Person = z.infer<typeof personSchema>;

export const voteSchema = z.strictObject({
  principal: principalSchema,
  person: personSchema.optional(),
  role: z.enum(["admin", "operator", "auditor", "client"], {
    error: "must be admin, operator, auditor or client",
  }),
  vote: z.enum(["approve", "deny"], { error: "must be approve or deny" }),
  reason: z
    .string({ error: "must be a string or null" })
    .max(1024, { error: "must be at most 1024 characters" })
    .nullable(),
  at: timestampSchema,
});
export type Vote = z.infer<typeof voteSchema>;

export interface ApprovalSpec {
  quorum: number;
  roles: readonly (typeof APPROVER_ROLES)[number][];
  expiresAt: string;
  /** The intent's actor id: it may not approve its own intent. */
  requesterId: string;
  /** Person ids accountable for the submission (the user the key acts for, the key's creator). */
  submitters?: readonly string[];
}

export interface ApprovalTally {
  status: ApprovalStatus;
  approvals: number;
  /** For each vote, in order: null when it counted, else why it was refused. */
  refusals: (VoteRefusal | null)[];
}

/** Why `vote` would be refused given the votes already counted, or null if it counts. */
export function voteRefusal(
  spec: ApprovalSpec,
  counted: readonly Vote[],
  status: ApprovalStatus,
  vote: Vote,
): VoteRefusal | null {
  if (status !== "PENDING") return "APPROVAL_CLOSED";
  if (compareInstants(parseInstant(vote.at), parseInstant(spec.expiresAt)) >= 0) return "EXPIRED";
  if (!(spec.roles as readonly string[]).includes(vote.role)) return "ROLE_NOT_ALLOWED";
  if (vote.principal.id === spec.requesterId) return "SELF_APPROVAL";
  if (vote.person && spec.submitters?.includes(vote.person.id)) return "SELF_APPROVAL";
  const samePrincipal = (v: Vote) =>
    v.principal.type === vote.principal.type && v.principal.id === vote.principal.id;
  const samePerson = (v: Vote) => v.person !== undefined && v.person.id === vote.person?.id;
  if (counted.some((v) => samePrincipal(v) || samePerson(v))) return "ALREADY_VOTED";
  if (vote.vote === "deny" && (vote.reason ?? "").trim() === "") return "REASON_REQUIRED";
  return null;
}

/** The outcome of `votes` in order, as of `asOf` (an instant at/after expiresAt expires a pending approval). */
export function tallyApproval(spec: ApprovalSpec, votes: readonly Vote[], asOf?: string): ApprovalTally {
  let status: ApprovalStatus = "PENDING";
  let approvals = 0;
  const counted: Vote[] = [];
  const refusals: (VoteRefusal | null)[] = [];
  for (const vote of votes) {
    const refusal = voteRefusal(spec, counted, status, vote);
    refusals.push(refusal);
    if (refusal) continue;
    counted.push(vote);
    if (vote.vote === "deny") status = "DENIED";
    else if (++approvals >= spec.quorum) status = "APPROVED";
  }
  if (
    status === "PENDING" &&
    asOf !== undefined &&
    compareInstants(parseInstant(asOf), parseInstant(spec.expiresAt)) >= 0
  ) {
    status = "EXPIRED";
  }
  return { status, approvals, refusals };
}
