import type { EvidenceBundle } from "../../core";
import type { Db } from "../../db/client";
import type { Principal } from "../access/principal";
import { principalNames } from "../access/principal-names";
import { notFound } from "../shared/errors";
import { iso } from "../shared/ids";
import { exportEvidence, getDecision } from "./read";

/**
 * One decision as the dashboard's detail page shows it: the intent, rule trail, approval votes (with
 * the voters' names), the execution with its attempts and what the built-in `record` executor
 * captured, and the chain events of the decision, its approval and its execution.
 *
 * `tenantId` is the tenant the caller is looking in (the URL's): a platform admin's reads are
 * unscoped, so a decision of another tenant is "not found" here all the same.
 */
export async function getDecisionDetail(db: Db, principal: Principal, tenantId: string, decisionId: string) {
  const decision = await getDecision(db, principal, decisionId);
  if (decision.tenantId !== tenantId) throw notFound(`decision ${decisionId}`);
  const executionId = decision.execution?.id;
  // The decision's own events, its approval's and its execution's: one query; the execution's
  // attempts are the part of it whose subject is the execution.
  const subjects = [decisionId, decision.approval?.id, executionId].filter((s): s is string => !!s);
  const voters = (decision.approval?.votes ?? []).map((v) => `${v.principal.type}:${v.principal.id}`);
  const [events, recorded, names] = await Promise.all([
    db.event.findMany({
      where: { tenantId, subjectId: { in: subjects } },
      orderBy: { seq: "asc" },
      select: {
        seq: true,
        type: true,
        at: true,
        hash: true,
        payload: true,
        publishedAt: true,
        subjectId: true,
      },
    }),
    executionId
      ? db.recordedCall.findFirst({
          where: { executionId, tenantId },
          select: { request: true, recordedAt: true },
        })
      : null,
    principalNames(db, voters),
  ]);
  const chain = events.map(({ publishedAt, subjectId, ...e }) => ({
    ...e,
    subjectId,
    payload: e.payload as Record<string, unknown>,
    published: publishedAt !== null,
  }));
  return {
    ...decision,
    names,
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
