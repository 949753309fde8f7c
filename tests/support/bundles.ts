import {
  type ApprovalRecord,
  buildEvidence,
  type ChainEvent,
  type CryptoProvider,
  chainEvent,
  type DecisionInput,
  decide,
  decisionHashes,
  type EventBody,
  type EvidenceBundle,
  type Signer,
  sealEvent,
  tallyApproval,
  type Vote,
  voteEvent,
} from "../../server/core";
import { isoPlusSeconds } from "./arbitraries";

export interface Scenario {
  /** Events of other intents already in the tenant chain before this one. */
  priorEvents: number;
  /** Approve votes cast (distinct principals), then optionally a deny. */
  approvers: number;
  denyAfter: boolean;
  /** Leave a pending approval to expire. */
  expire: boolean;
  /** Interleave another intent's event between this intent's events (a gap in seq). */
  interleave: boolean;
}

/** A complete, consistent evidence bundle for `input`, as the server would export it. */
export function scenarioBundle(
  input: DecisionInput,
  scenario: Scenario,
  crypto: CryptoProvider,
  signer: Signer,
): EvidenceBundle {
  const tenantId = input.intent.tenantId;
  let last: ChainEvent | null = null;
  const append = (event: EventBody) => {
    last = sealEvent(crypto, last, { tenantId, ...event });
    return last;
  };
  const unrelated = () => append(chainEvent("apikey.revoked", "key_other", input.evaluatedAt, { by: "cli" }));
  for (let i = 0; i < scenario.priorEvents; i++) unrelated();

  const output = decide(input);
  const events: ChainEvent[] = [];
  const own = (event: EventBody) => {
    if (scenario.interleave) unrelated();
    events.push(append(event));
  };
  own(
    chainEvent("intent.decided", "dec_1", input.evaluatedAt, {
      intentId: "int_1",
      policyVersion: 3,
      verdict: output.verdict,
      reason: output.reason,
      ...decisionHashes(crypto, input, output),
    }),
  );

  let approval: ApprovalRecord | null = null;
  if (output.approval) {
    const expiresAt = isoPlusSeconds(input.evaluatedAt, 3600);
    own(
      chainEvent("approval.requested", "apr_1", input.evaluatedAt, {
        decisionId: "dec_1",
        ...output.approval,
        expiresAt,
      }),
    );
    const spec = { ...output.approval, expiresAt, requesterId: input.intent.actor.id };
    const votes: Vote[] = [];
    const role = output.approval.roles[0]!;
    const candidates: Vote[] = [];
    for (let i = 0; i < scenario.approvers; i++) {
      candidates.push({
        principal: { type: "user", id: `op-${i}@example.com` },
        role,
        vote: "approve",
        reason: i % 2 ? "checked" : null,
        at: isoPlusSeconds(input.evaluatedAt, 10 * (i + 1)),
      });
    }
    if (scenario.denyAfter) {
      candidates.push({
        principal: { type: "user", id: "lead@example.com" },
        role,
        vote: "deny",
        reason: "not during business hours",
        at: isoPlusSeconds(input.evaluatedAt, 1000),
      });
    }
    for (const vote of candidates) {
      if (tallyApproval(spec, votes).status !== "PENDING") break;
      votes.push(vote);
      own(voteEvent("apr_1", vote));
    }
    let status = tallyApproval(spec, votes).status;
    if (status === "PENDING" && scenario.expire) status = "EXPIRED";
    if (status !== "PENDING")
      own(
        chainEvent("approval.resolved", "apr_1", status === "EXPIRED" ? expiresAt : votes.at(-1)!.at, {
          status,
        }),
      );
    approval = { id: "apr_1", ...output.approval, expiresAt, votes, status };
  }
  if (output.verdict === "ALLOW" || approval?.status === "APPROVED") {
    own(chainEvent("execution.queued", "exe_1", input.evaluatedAt, { decisionId: "dec_1" }));
    own(chainEvent("execution.succeeded", "exe_1", input.evaluatedAt, { attempt: 1 }));
  }
  return buildEvidence(
    {
      subject: { tenantId, intentId: "int_1", decisionId: "dec_1", policyVersion: 3 },
      input,
      output,
      approval,
      events,
    },
    crypto,
    signer,
  );
}

import fc from "fast-check";
import { nodeCrypto, nodeSigner } from "../../server/crypto/node";
import { decisionInputArb } from "./arbitraries";

const testSigner = nodeSigner("11".repeat(32));

export const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  priorEvents: fc.integer({ min: 0, max: 3 }),
  approvers: fc.integer({ min: 0, max: 4 }),
  denyAfter: fc.boolean(),
  expire: fc.boolean(),
  interleave: fc.boolean(),
});

/** Valid bundles over generated inputs; inputs are biased towards approval flows. */
export const scenarioBundleArb = fc.tuple(decisionInputArb, scenarioArb).map(([input, scenario]) => ({
  input,
  scenario,
  bundle: scenarioBundle(input, scenario, nodeCrypto, testSigner),
}));
