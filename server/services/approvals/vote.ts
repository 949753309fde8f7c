// Votes, under the core's approval rules (the same fold the evidence verifier replays): quorum,
// allowed roles, no self-approval, one vote per principal, a deny needs a reason, expiry.
// APPROVED queues the execution — unless a kill switch now applies, then it is recorded BLOCKED.

import { z } from "zod";
import {
  type ActionIntent,
  blockingSwitch,
  chainEvent,
  type EventBody,
  nameString,
  parseWith,
  tallyApproval,
  type Vote,
  type VoteRefusal,
  voteEvent,
  voteRefusal,
} from "../../core";
import type { Db } from "../../db/client";
import { requireActiveTenant } from "../access/authorize";
import { type Principal, personOf } from "../access/principal";
import { appendEvents } from "../chain/append";
import { engagedSwitchesFor } from "../kill-switches/kill-switches";
import { forbidden, invalid, notFound, ServiceError } from "../shared/errors";
import { iso, newId } from "../shared/ids";
import { TX_OPTIONS, type Tx } from "../shared/transaction";
import { approvalSpec, votesOf } from "./rows";

export const voteBodySchema = z.strictObject({
  vote: z.enum(["approve", "deny"], { error: "must be approve or deny" }),
  reason: nameString(1024).optional(),
});

const REFUSAL_HTTP: Record<VoteRefusal, { code: "CONFLICT" | "FORBIDDEN" | "INVALID"; message: string }> = {
  APPROVAL_CLOSED: { code: "CONFLICT", message: "the approval is already decided" },
  EXPIRED: { code: "CONFLICT", message: "the intent's deadline has passed: the approval has expired" },
  ROLE_NOT_ALLOWED: { code: "FORBIDDEN", message: "this role may not vote on this approval" },
  SELF_APPROVAL: {
    code: "CONFLICT",
    message:
      "nobody accountable for the submission may vote on it (its actor, the person its key acts for, or who created that key)",
  },
  ALREADY_VOTED: {
    code: "CONFLICT",
    message: "this person has already voted (with this or another key or session)",
  },
  REASON_REQUIRED: { code: "INVALID", message: "a deny needs a reason" },
};

/**
 * `now` fixes the vote's time (reproducible fixtures); otherwise it is read after the approval's
 * row lock is taken, so concurrent votes get their times in the order they are recorded.
 */
export async function voteOnApproval(
  db: Db,
  principal: Principal,
  approvalId: string,
  body: unknown,
  now?: Date,
) {
  if (principal.kind === "platform-admin")
    throw forbidden("votes are cast by a tenant's operator or admin key, or a signed-in member");
  const principalType = principal.kind === "user" ? ("user" as const) : ("apiKey" as const);
  const parsed = parseWith(voteBodySchema, body);
  if (!parsed.ok) throw invalid(parsed.errors);
  const outcome = await db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    const [locked] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM "Approval" WHERE id = ${approvalId} AND "tenantId" = ${principal.tenantId} FOR UPDATE`;
    if (!locked) throw notFound(`approval ${approvalId}`);
    // Another tenant's ids answer 404 first. Then: a quorum counts people, so a key votes only as the
    // person it acts for.
    const person = personOf(principal);
    if (!person)
      throw new ServiceError(
        "FORBIDDEN",
        "this key acts for no person, so it cannot vote: create one with forUser",
        {
          reason: "VOTER_NOT_A_PERSON",
        },
      );
    const approval = await tx.approval.findUniqueOrThrow({
      where: { id: approvalId },
      include: { votes: { orderBy: { at: "asc" } }, decision: { include: { intent: true } } },
    });
    const spec = approvalSpec(approval);
    const votes = votesOf(approval);
    const time = voteTime(now ?? new Date(), approval.votes);
    const at = iso(time);
    const current = tallyApproval(spec, votes, at);
    if (approval.status === "PENDING" && current.status === "EXPIRED") {
      await tx.approval.update({
        where: { id: approvalId },
        data: { status: "EXPIRED", resolvedAt: approval.expiresAt },
      });
      await appendEvents(tx, approval.tenantId, [
        chainEvent("approval.resolved", approvalId, iso(approval.expiresAt), { status: "EXPIRED" }),
      ]);
      return { refusal: "EXPIRED" as const };
    }
    const vote: Vote = {
      principal: { type: principalType, id: principal.id },
      person,
      role: (await roleAtVote(tx, principal, person.id)) as Vote["role"],
      vote: parsed.value.vote,
      reason: parsed.value.reason ?? null,
      at,
    };
    const refusal =
      voteRefusal(spec, votes, current.status, vote) ??
      (isOwnIntent(principal, approval.decision.intent.submittedBy, approval.requesterId)
        ? ("SELF_APPROVAL" as const)
        : null);
    if (refusal) return { refusal };

    await tx.approvalVote.create({
      data: {
        id: newId("vot"),
        approvalId,
        tenantId: approval.tenantId,
        principalType,
        principalId: principal.id,
        role: vote.role,
        vote: vote.vote,
        reason: vote.reason,
        at: time,
        userId: person.id,
        userEmail: person.email,
      },
    });
    const events: EventBody[] = [voteEvent(approvalId, vote)];
    const after = tallyApproval(spec, [...votes, vote]);
    let executionId: string | undefined;
    let executionStatus: string | undefined;
    let blockedBy: string | undefined;
    if (after.status !== "PENDING") {
      await tx.approval.update({
        where: { id: approvalId },
        data: { status: after.status, resolvedAt: time },
      });
      events.push(chainEvent("approval.resolved", approvalId, at, { status: after.status }));
      if (after.status === "APPROVED") {
        executionId = newId("exe");
        const blocker = blockingSwitch(
          await engagedSwitchesFor(tx, approval.tenantId),
          approval.tenantId,
          approval.decision.action,
        );
        const intent = approval.decision.intent.body as unknown as ActionIntent;
        const byCaller = intent.execution === "caller";
        executionStatus = blocker ? "BLOCKED" : byCaller ? "AWAITING_CALLER" : "QUEUED";
        blockedBy = blocker?.id;
        await tx.execution.create({
          data: {
            id: executionId,
            tenantId: approval.tenantId,
            decisionId: approval.decisionId,
            status: executionStatus,
            mode: byCaller ? "caller" : "executor",
            reportDeadline: byCaller
              ? new Date(Date.parse(intent.requestedAt) + intent.ttlSeconds * 1000)
              : null,
            failureClass: blocker ? "BLOCKED" : null,
            nextAttemptAt: time,
          },
        });
        events.push(
          blocker
            ? chainEvent("execution.blocked", executionId, at, {
                decisionId: approval.decisionId,
                reason: blocker.reason,
                killSwitch: blocker.id,
                failureClass: "BLOCKED",
              })
            : chainEvent(byCaller ? "execution.awaiting_caller" : "execution.queued", executionId, at, {
                decisionId: approval.decisionId,
              }),
        );
      }
    }
    await appendEvents(tx, approval.tenantId, events);
    return {
      refusal: null,
      status: after.status,
      approvals: after.approvals,
      quorum: approval.quorum,
      executionId,
      executionStatus,
      blockedBy,
    };
  }, TX_OPTIONS);

  if (outcome.refusal) {
    const { code, message } = REFUSAL_HTTP[outcome.refusal];
    throw new ServiceError(code, message, { reason: outcome.refusal });
  }
  return {
    approvalId,
    status: outcome.status!,
    approvals: outcome.approvals!,
    quorum: outcome.quorum!,
    ...(outcome.executionId
      ? { executionId: outcome.executionId, executionStatus: outcome.executionStatus }
      : {}),
    // Approved, but a kill switch covers the action: it will not run, and the answer says which switch.
    ...(outcome.blockedBy ? { blockedBy: outcome.blockedBy } : {}),
  };
}

/**
 * The role the person holds in the tenant now: a session's comes from its membership (resolved per
 * request); a key votes with its person's current membership role, capped by the key's own role.
 */
async function roleAtVote(tx: Tx, principal: Principal, userId: string): Promise<string> {
  if (principal.kind !== "api-key") return principal.kind === "user" ? principal.role : "none";
  const member = await tx.membership.findUnique({
    where: { userId_tenantId: { userId, tenantId: principal.tenantId } },
    select: { role: true },
  });
  if (!member) return "none";
  return member.role === "admin" ? principal.role : member.role === principal.role ? member.role : "none";
}

/** Strictly after every earlier vote on the approval (a clock step back or a tie moves it 1 ms on). */
function voteTime(clock: Date, earlier: readonly { at: Date }[]): Date {
  const last = Math.max(0, ...earlier.map((v) => v.at.getTime()));
  return clock.getTime() > last ? clock : new Date(last + 1);
}

/** The key that submitted an intent, or a user named as its actor, may not approve it. */
export function isOwnIntent(principal: Principal, submittedBy: string, actorId: string): boolean {
  if (principal.kind === "api-key") return submittedBy === principal.id;
  if (principal.kind === "user") return actorId === principal.id || actorId === principal.name;
  return false;
}
