import {
  type ApprovalRecord,
  buildEvidence,
  type DecisionInput,
  type DecisionOutput,
  type EvidenceBundle,
  type Signer,
  tallyApproval,
} from "../../core";
import { nodeCrypto } from "../../crypto/node";
import type { Db } from "../../db/client";
import type { Principal } from "../access/principal";
import { approvalSpec, votesOf } from "../approvals/rows";
import { toChainEvent } from "../chain/append";
import { getSigner } from "../keys/signing-key";
import { policyOfDecision } from "../policies/versions";
import { notFound } from "../shared/errors";
import { iso } from "../shared/ids";
import { readInSnapshot, type Tx } from "../shared/transaction";
import { intentResult } from "./intent-result";

/** Reads, always scoped by tenant: another tenant's id is simply "not found". */
function tenantScope(principal: Principal) {
  return principal.kind === "platform-admin" ? {} : { tenantId: principal.tenantId };
}

const full = {
  intent: true,
  approval: { include: { votes: { orderBy: { at: "asc" as const } } } },
  execution: true,
} as const;

/** A decision's row with its intent, approval (and votes) and execution; read it in a snapshot. */
export async function readDecisionRow(tx: Tx, principal: Principal, decisionId: string) {
  const d = await tx.decision.findFirst({
    where: { id: decisionId, ...tenantScope(principal) },
    include: full,
  });
  if (!d) throw notFound(`decision ${decisionId}`);
  return d;
}

export async function getDecision(db: Db, principal: Principal, decisionId: string, now = new Date()) {
  return decisionView(await readInSnapshot(db, (tx) => readDecisionRow(tx, principal, decisionId)), now);
}

/** What a client is told of a decision, as of `now` (a pending approval past its expiry is EXPIRED). */
export function decisionView(d: Awaited<ReturnType<typeof readDecisionRow>>, now: Date) {
  const input = d.input as unknown as DecisionInput;
  const approval = d.approval
    ? {
        id: d.approval.id,
        // A pending approval past its expiry is reported EXPIRED even before anyone touches it.
        status:
          d.approval.status === "PENDING"
            ? tallyApproval(approvalSpec(d.approval), votesOf(d.approval), iso(now)).status
            : (d.approval.status as ApprovalRecord["status"]),
        quorum: d.approval.quorum,
        roles: d.approval.roles,
        approvals: d.approval.votes.filter((v) => v.vote === "approve").length,
        expiresAt: iso(d.approval.expiresAt),
        votes: votesOf(d.approval),
      }
    : null;
  return {
    ...intentResult({
      intentId: d.intentId,
      decisionId: d.id,
      verdict: d.verdict,
      reason: d.reason,
      matchedRules: (d.output as unknown as DecisionOutput).matchedRules,
      decidingRule: d.decidingRule,
      approvalId: d.approval?.id,
      executionId: d.execution?.id,
      executionStatus: d.execution?.status,
    }),
    tenantId: d.tenantId,
    policyVersion: d.policyVersion,
    evaluatedAt: iso(d.evaluatedAt),
    inputHash: d.inputHash,
    outputHash: d.outputHash,
    intent: input.intent,
    killSwitch: (d.output as unknown as DecisionOutput).killSwitch,
    approval,
    execution: d.execution ? executionView(d.execution) : null,
  };
}

function executionView(e: {
  id: string;
  decisionId: string;
  status: string;
  mode: string;
  report: unknown;
  reportDeadline: Date | null;
  attempts: number;
  failureClass: string | null;
  nextAttemptAt: Date;
  createdAt: Date;
  updatedAt: Date;
}) {
  return {
    id: e.id,
    decisionId: e.decisionId,
    status: e.status,
    mode: e.mode,
    // What the caller reported, for a caller-executed intent; and by when it had to.
    report: (e.report ?? null) as { outcome: string; detail?: unknown } | null,
    reportDeadline: e.reportDeadline ? iso(e.reportDeadline) : null,
    attempts: e.attempts,
    failureClass: e.failureClass,
    nextAttemptAt: iso(e.nextAttemptAt),
    createdAt: iso(e.createdAt),
    updatedAt: iso(e.updatedAt),
  };
}

export async function getExecution(db: Db, principal: Principal, executionId: string) {
  // The row and its events of one moment: a transition committing in between would show a status
  // its own chain already contradicts.
  const { e, events } = await readInSnapshot(db, async (tx) => {
    const e = await tx.execution.findFirst({ where: { id: executionId, ...tenantScope(principal) } });
    if (!e) throw notFound(`execution ${executionId}`);
    const events = await tx.event.findMany({
      where: { tenantId: e.tenantId, subjectId: executionId },
      orderBy: { seq: "asc" },
    });
    return { e, events };
  });
  return {
    ...executionView(e),
    // Delivery is at-least-once with the same Idempotency-Key: an attempt whose worker died before
    // recording it may have reached the executor, so the attempt that reclaimed it is a possible
    // re-delivery (effectively once for receivers that deduplicate on the key).
    redeliveries: events.filter(
      (ev) =>
        ev.type === "execution.started" &&
        (ev.payload as { reclaimedFrom?: unknown }).reclaimedFrom !== undefined,
    ).length,
    events: events.map((ev) => ({ seq: ev.seq, type: ev.type, at: ev.at, payload: ev.payload })),
  };
}

/** The signed evidence bundle for one decision: everything `exoarmur verify` needs, offline. */
export async function exportEvidence(
  db: Db,
  principal: Principal,
  decisionId: string,
  /** Another key than the server's: the documentation examples are signed with a published one. */
  signer?: Signer,
): Promise<EvidenceBundle> {
  // The rows and their events of one moment: a vote committing in between would otherwise give a
  // bundle whose approval and chain disagree (and which then fails verification).
  const { d, rows } = await readInSnapshot(db, async (tx) => {
    const d = await readDecisionRow(tx, principal, decisionId);
    const subjects = [d.id, d.approval?.id, d.execution?.id].filter((s): s is string => Boolean(s));
    const rows = await tx.event.findMany({
      where: { tenantId: d.tenantId, subjectId: { in: subjects } },
      orderBy: { seq: "asc" },
    });
    return { d, rows };
  });
  const approval: ApprovalRecord | null = d.approval
    ? {
        id: d.approval.id,
        quorum: d.approval.quorum,
        roles: d.approval.roles as ("admin" | "operator")[],
        expiresAt: iso(d.approval.expiresAt),
        ...(d.approval.submitters.length > 0 ? { submitters: d.approval.submitters } : {}),
        votes: votesOf(d.approval),
        status: d.approval.status as ApprovalRecord["status"],
      }
    : null;
  return buildEvidence(
    {
      subject: {
        tenantId: d.tenantId,
        intentId: d.intentId,
        decisionId: d.id,
        policyVersion: d.policyVersion,
      },
      input: await evaluatedInput(db, d),
      output: d.output as unknown as DecisionOutput,
      approval,
      events: rows.map(toChainEvent),
    },
    nodeCrypto,
    signer ?? (await getSigner(db)),
  );
}

/** The input a decision was evaluated with: the stored row plus the policy version it references. */
export async function evaluatedInput(
  db: Db,
  d: { id: string; tenantId: string; policyVersion: number | null; policyHash: string; input: unknown },
): Promise<DecisionInput> {
  const { intent, killSwitches, tenant, evaluatedAt } = d.input as Omit<DecisionInput, "policy">;
  return { intent, policy: await policyOfDecision(db, d), killSwitches, tenant, evaluatedAt };
}
