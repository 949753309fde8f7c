// The pending-approval queue as one principal sees it: for each approval, whether this principal
// could vote now and, if not, why — computed with the same core rule the vote itself is checked by.

import { type ActionIntent, tallyApproval, type Vote, type VoteRefusal, voteRefusal } from "../../core";
import type { Db } from "../../db/client";
import { requireTenantRole } from "../access/authorize";
import { MEMBER_ROLES, type Principal, personOf } from "../access/principal";
import { iso } from "../shared/ids";
import { approvalSpec, votesOf } from "./rows";
import { isOwnIntent } from "./vote";

export type VoteUnavailable = VoteRefusal | "AUDITOR" | null;

export async function listPendingApprovals(db: Db, principal: Principal, tenantId: string, now = new Date()) {
  requireTenantRole(principal, tenantId, MEMBER_ROLES);
  const rows = await db.approval.findMany({
    // Expiry is applied lazily in storage: leave the lapsed ones out here, or they would crowd the queue.
    where: { tenantId, status: "PENDING", expiresAt: { gt: now } },
    orderBy: { expiresAt: "asc" },
    take: 500,
    include: {
      votes: { orderBy: { at: "asc" } },
      decision: {
        select: {
          id: true,
          action: true,
          actorId: true,
          decidingRule: true,
          createdAt: true,
          // The intent as submitted (small), not the decision input with its copy of the policy.
          intent: { select: { submittedBy: true, body: true } },
        },
      },
    },
  });
  const at = iso(now);
  const principalType = principal.kind === "user" ? "user" : "apiKey";
  const role = principal.kind === "platform-admin" ? "admin" : principal.role;
  const person = personOf(principal);
  return rows.flatMap((a) => {
    const spec = approvalSpec(a);
    const votes = votesOf(a);
    const tally = tallyApproval(spec, votes, at);
    if (tally.status !== "PENDING") return [];
    let unavailable: VoteUnavailable = null;
    if (role === "auditor") unavailable = "AUDITOR";
    else if (principal.kind === "platform-admin") unavailable = "ROLE_NOT_ALLOWED";
    else if (isOwnIntent(principal, a.decision.intent.submittedBy, a.requesterId))
      unavailable = "SELF_APPROVAL";
    else
      unavailable = voteRefusal(
        spec,
        votes.filter((_, i) => tally.refusals[i] === null),
        "PENDING",
        {
          principal: { type: principalType, id: principal.id },
          ...(person ? { person } : {}),
          role: role as Vote["role"],
          vote: "approve",
          reason: null,
          at,
        },
      );
    const intent = a.decision.intent.body as unknown as ActionIntent;
    return [
      {
        id: a.id,
        decisionId: a.decision.id,
        action: a.decision.action,
        target: intent.target,
        actionClass: intent.actionClass,
        actorId: a.decision.actorId,
        rule: a.decision.decidingRule,
        quorum: a.quorum,
        roles: a.roles,
        approvals: tally.approvals,
        votes,
        requestedAt: iso(a.createdAt),
        expiresAt: spec.expiresAt,
        secondsLeft: Math.max(0, Math.floor((a.expiresAt.getTime() - now.getTime()) / 1000)),
        unavailable,
      },
    ];
  });
}
