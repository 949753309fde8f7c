import type { EvidenceBundle } from "../../core";
import type { Db } from "../../db/client";
import type { Principal } from "../access/principal";
import { principalNames } from "../access/principal-names";
import { pendingApprovalsView } from "../approvals/voting-role";
import { PLATFORM_CHAIN } from "../chain/append";
import { publishedThrough } from "../chain/outbox";
import { policyOfDecision } from "../policies/versions";
import { notFound } from "../shared/errors";
import { iso } from "../shared/ids";
import { readInSnapshot } from "../shared/transaction";
import { decisionView, exportEvidence, readDecisionRow } from "./read";

/**
 * One decision as the dashboard's detail page shows it: the intent, rule trail, approval votes (with
 * the voters' names), the execution with its attempts and what the built-in `record` executor
 * captured, and the chain events of the decision, its approval and its execution.
 *
 * `tenantId` is the tenant the caller is looking in (the URL's): a platform admin's reads are
 * unscoped, so a decision of another tenant is "not found" here all the same.
 */
export async function getDecisionDetail(
  db: Db,
  principal: Principal,
  tenantId: string,
  decisionId: string,
  platformAdminUserId: string | null = null,
) {
  // The decision, its events and its recorded call of one moment: a vote or an attempt committing
  // in between would otherwise show an approval or execution that its chain contradicts.
  const read = await readInSnapshot(db, async (tx) => {
    const row = await readDecisionRow(tx, principal, decisionId);
    const subjects = [row.id, row.approval?.id, row.execution?.id].filter((s): s is string => !!s);
    const events = await tx.event.findMany({
      where: { tenantId, subjectId: { in: subjects } },
      orderBy: { seq: "asc" },
      select: { seq: true, type: true, at: true, hash: true, payload: true, subjectId: true },
    });
    const recorded = row.execution
      ? await tx.recordedCall.findFirst({
          where: { executionId: row.execution.id, tenantId },
          select: { request: true, recordedAt: true },
        })
      : null;
    // Whether this person may vote on it now (and if not, why): the queue's own answer, for this
    // approval, of the same moment (read after, a deciding vote made it "closed" while pending).
    const voting =
      row.approval?.status === "PENDING"
        ? ((
            await pendingApprovalsView(tx, principal, tenantId, platformAdminUserId, row.approval.id)
          ).approvals.find((a) => a.id === row.approval?.id) ?? null)
        : null;
    return { row, events, recorded, voting };
  });
  const decision = decisionView(read.row, new Date());
  if (decision.tenantId !== tenantId) throw notFound(`decision ${decisionId}`);
  const { events, recorded, voting } = read;
  const why = await explanationFacts(db, decision, read.row);
  const executionId = decision.execution?.id;
  const voters = (decision.approval?.votes ?? []).map((v) => `${v.principal.type}:${v.principal.id}`);
  const [names, published] = await Promise.all([
    principalNames(db, [...voters, ...(why.switchEngagement ? [why.switchEngagement.by] : [])]),
    publishedThrough(db, tenantId),
  ]);
  const chain = events.map(({ subjectId, ...e }) => ({
    ...e,
    subjectId,
    payload: e.payload as Record<string, unknown>,
    published: e.seq <= published,
  }));
  return {
    ...decision,
    names,
    /** The policy rules that matched, as written (description, match, approval), in policy order. */
    matchedRuleDetails: why.rules,
    /** Who engaged the switch that decided it, when and why (null: no switch decided it). */
    switchEngagement: why.switchEngagement,
    /** For a pending approval: null when this person may vote now, else why not. */
    voteUnavailable: voting
      ? voting.unavailable
      : decision.approval?.status === "PENDING"
        ? "APPROVAL_CLOSED"
        : null,
    /** An engaged switch that covers the action now. */
    blockedBy: voting?.blockedBy ?? null,
    execution: decision.execution
      ? {
          ...decision.execution,
          events: chain.filter((e) => e.subjectId === executionId),
          /** The call the `record` executor stored for this execution (null: another executor, or not run yet). */
          recordedCall: recorded
            ? { request: recorded.request as Record<string, unknown>, recordedAt: iso(recorded.recordedAt) }
            : null,
        }
      : null,
    chain,
  };
}

/** The signed evidence bundle of one decision in `tenantId` (another tenant's decision is "not found"). */
export async function getDecisionEvidence(
  db: Db,
  principal: Principal,
  tenantId: string,
  decisionId: string,
): Promise<EvidenceBundle> {
  const bundle = await exportEvidence(db, principal, decisionId);
  if (bundle.subject.tenantId !== tenantId) throw notFound(`decision ${decisionId}`);
  return bundle;
}

/** What the "why" needs beyond the decision: the matched rules as written, and the deciding switch's engagement. */
async function explanationFacts(
  db: Db,
  decision: ReturnType<typeof decisionView>,
  stored: Parameters<typeof policyOfDecision>[1],
) {
  const policy = await policyOfDecision(db, stored);
  const matched = new Set(decision.matchedRules.map((r) => r.id));
  const rules = policy.rules.filter((r) => matched.has(r.id));
  let switchEngagement: { by: string; at: string; reason: string } | null = null;
  if (decision.killSwitch) {
    // The engagement in force when it was decided: the last one of that switch at or before then.
    const event = await db.event.findFirst({
      where: {
        tenantId: { in: [decision.tenantId, PLATFORM_CHAIN] },
        type: "killswitch.engaged",
        subjectId: decision.killSwitch,
        at: { lte: decision.evaluatedAt },
      },
      orderBy: { id: "desc" },
    });
    const payload = event?.payload as { by?: string; reason?: string } | undefined;
    if (event && payload?.by)
      switchEngagement = { by: payload.by, at: event.at, reason: payload.reason ?? "" };
  }
  return { rules, switchEngagement };
}
