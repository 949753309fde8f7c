// The pending-approval queue as one principal sees it: for each approval, whether this principal
// could vote now and, if not, why — computed with the same core rule the vote itself is checked by.

import {
  type ActionIntent,
  blockingSwitch,
  type Policy,
  tallyApproval,
  type Vote,
  type VoteRefusal,
  voteRefusal,
} from "../../core";
import { requireTenantRole } from "../access/authorize";
import { MEMBER_ROLES, type Principal, personOf } from "../access/principal";
import { toKillSwitchState } from "../kill-switches/kill-switches";
import { iso } from "../shared/ids";
import type { Tx } from "../shared/transaction";
import { approvalSpec, votesOf } from "./rows";
import { isOwnIntent } from "./vote";

export type VoteUnavailable = VoteRefusal | "AUDITOR" | null;

export async function listPendingApprovals(
  db: Tx,
  principal: Principal,
  tenantId: string,
  now = new Date(),
  /** Only this approval (a decision's page asks about its own). */
  only?: string,
) {
  requireTenantRole(principal, tenantId, MEMBER_ROLES);
  const rows = await db.approval.findMany({
    // Expiry is applied lazily in storage: leave the lapsed ones out here, or they would crowd the queue.
    where: { tenantId, status: "PENDING", expiresAt: { gt: now }, ...(only ? { id: only } : {}) },
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
          policyVersion: true,
          createdAt: true,
          // The intent as submitted (small), not the decision input with its copy of the policy.
          intent: { select: { submittedBy: true, body: true } },
        },
      },
    },
  });
  const context = await queueContext(db, tenantId, rows);
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
    const key = context.keys.get(a.decision.intent.submittedBy);
    const rule = context.rules.get(`${a.decision.policyVersion}:${a.decision.decidingRule}`);
    const blocker = blockingSwitch(context.switches, tenantId, a.decision.action);
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
        parameters: intent.parameters,
        ttlSeconds: intent.ttlSeconds,
        /** The key that submitted it, and the person that key acts for. */
        submitter: key ?? null,
        ruleDescription: rule?.description ?? null,
        policyVersion: a.decision.policyVersion,
        /** An engaged switch that covers the action: approving it now would only end it BLOCKED. */
        blockedBy: blocker ? (context.switchById.get(blocker.id) ?? null) : null,
      },
    ];
  });
}

/** What the cards show besides the approval itself: submitting keys, rule descriptions, engaged switches. */
async function queueContext(
  db: Tx,
  tenantId: string,
  rows: { decision: { policyVersion: number | null; intent: { submittedBy: string } } }[],
) {
  const keyIds = [...new Set(rows.map((r) => r.decision.intent.submittedBy))];
  const versions = [
    ...new Set(rows.flatMap((r) => (r.decision.policyVersion === null ? [] : [r.decision.policyVersion]))),
  ];
  const [keys, policies, switches] = await Promise.all([
    db.apiKey.findMany({ where: { id: { in: keyIds } }, select: { id: true, name: true, forUserId: true } }),
    db.policyVersion.findMany({
      where: { tenantId, version: { in: versions } },
      select: { version: true, document: true },
    }),
    db.killSwitch.findMany({ where: { engaged: true, OR: [{ scope: "global" }, { tenantId }] } }),
  ]);
  const people = new Map(
    (
      await db.user.findMany({
        where: { id: { in: keys.flatMap((k) => (k.forUserId ? [k.forUserId] : [])) } },
        select: { id: true, email: true },
      })
    ).map((u) => [u.id, u.email]),
  );
  const rules = new Map<string, { description?: string }>();
  for (const p of policies)
    for (const rule of (p.document as unknown as Policy).rules) rules.set(`${p.version}:${rule.id}`, rule);
  return {
    keys: new Map(
      keys.map((k) => [
        k.id,
        { keyName: k.name, forUser: k.forUserId ? (people.get(k.forUserId) ?? null) : null },
      ]),
    ),
    rules,
    switches: switches.map(toKillSwitchState),
    switchById: new Map(
      switches.map((s) => [s.id, { id: s.id, scope: s.scope, action: s.action, reason: s.reason }]),
    ),
  };
}
