import {
  type ApprovalRecord,
  buildEvidence,
  type ChainEvent,
  type CryptoProvider,
  type DecisionInput,
  decide,
  decisionHashes,
  EVENT_TYPES,
  type EvidenceBundle,
  type NewEvent,
  type Policy,
  type Signer,
  sealEvent,
  type Vote,
  votePayload,
} from "../../server/core";

/**
 * A small but complete tenant history — an allowed, an approved and a denied intent on one hash
 * chain — used for docs/examples, the CLI tests and the benchmarks. Everything is fixed, so the
 * bundles are byte-for-byte reproducible (Ed25519 signatures are deterministic).
 */
export const EXAMPLE_POLICY: Policy = {
  rules: [
    {
      id: "allow-soft",
      description: "agents may softly isolate web hosts",
      match: { actions: ["host.*"], actionClasses: ["A1_soft"], targets: ["web-*"], actorTypes: ["agent"] },
      effect: "allow",
    },
    {
      id: "approve-hard",
      description: "hard containment needs two operators",
      match: { actionClasses: ["A2_hard"], parameters: { region: { in: ["eu", "us"] } } },
      effect: "require_approval",
      approval: { quorum: 2, roles: ["operator"] },
    },
    { id: "deny-irreversible", match: { actionClasses: ["A3_irreversible"] }, effect: "deny" },
  ],
};

/** The example key is public on purpose: it signs documentation, never a real deployment. */
export const EXAMPLE_SECRET_KEY_HEX = "4578616d706c65206b6579202d2d206e6f742061207365637265742021212121";

const TENANT = { id: "acme", status: "active" } as const;

function input(
  intent: Omit<DecisionInput["intent"], "tenantId" | "ttlSeconds">,
  evaluatedAt: string,
): DecisionInput {
  return {
    intent: { tenantId: "acme", ttlSeconds: 600, ...intent },
    policy: EXAMPLE_POLICY,
    killSwitches: [],
    tenant: TENANT,
    evaluatedAt,
  };
}

export function exampleBundles(
  crypto: CryptoProvider,
  signer: Signer,
): Record<"allow" | "approved" | "deny", EvidenceBundle> {
  const chain: ChainEvent[] = [];
  const append = (event: Omit<NewEvent, "tenantId">) => {
    const sealed = sealEvent(crypto, chain.at(-1) ?? null, { tenantId: "acme", ...event });
    chain.push(sealed);
    return sealed;
  };
  const decideAndRecord = (intentId: string, decisionId: string, decisionInput: DecisionInput) => {
    const output = decide(decisionInput);
    const event = append({
      type: EVENT_TYPES.intentDecided,
      subjectId: decisionId,
      at: decisionInput.evaluatedAt,
      payload: {
        intentId,
        policyVersion: 1,
        verdict: output.verdict,
        reason: output.reason,
        ...decisionHashes(crypto, decisionInput, output),
      },
    });
    return { output, events: [event] };
  };
  const execute = (executionId: string, events: ChainEvent[], times: [string, string, string]) => {
    events.push(
      append({
        type: "execution.queued",
        subjectId: executionId,
        at: times[0],
        payload: { executor: "record" },
      }),
    );
    events.push(
      append({ type: "execution.started", subjectId: executionId, at: times[1], payload: { attempt: 1 } }),
    );
    events.push(
      append({
        type: "execution.succeeded",
        subjectId: executionId,
        at: times[2],
        payload: { attempt: 1, status: 200 },
      }),
    );
  };
  const subject = (intentId: string, decisionId: string) => ({
    tenantId: "acme",
    intentId,
    decisionId,
    policyVersion: 1,
  });

  // 1. ALLOW, executed once.
  const allowInput = input(
    {
      actor: { type: "agent", id: "soar-1" },
      action: "host.isolate",
      actionClass: "A1_soft",
      target: "web-7",
      parameters: { reason: "beaconing" },
      idempotencyKey: "soar-1:incident-4711:isolate-web-7",
      requestedAt: "2026-11-26T09:00:00Z",
      correlationId: "incident-4711",
    },
    "2026-11-26T09:00:00.250Z",
  );
  const allow = decideAndRecord("int_01allow", "dec_01allow", allowInput);

  // 2. REQUIRE_APPROVAL, approved by two operators, then executed once.
  const approvalInput = input(
    {
      actor: { type: "agent", id: "soar-1" },
      action: "host.quarantine",
      actionClass: "A2_hard",
      target: "db-1",
      parameters: { region: "eu", reason: "ransomware note found" },
      idempotencyKey: "soar-1:incident-4712:quarantine-db-1",
      requestedAt: "2026-11-26T09:01:00Z",
    },
    "2026-11-26T09:01:00.120Z",
  );
  const approved = decideAndRecord("int_02approve", "dec_02approve", approvalInput);
  execute("exe_01allow", allow.events, [
    "2026-11-26T09:00:00.250Z",
    "2026-11-26T09:00:00.400Z",
    "2026-11-26T09:00:00.610Z",
  ]);
  const expiresAt = "2026-11-26T10:01:00.120Z";
  approved.events.push(
    append({
      type: EVENT_TYPES.approvalRequested,
      subjectId: "apr_02approve",
      at: "2026-11-26T09:01:00.120Z",
      payload: { decisionId: "dec_02approve", quorum: 2, roles: ["operator"], expiresAt },
    }),
  );
  const votes: Vote[] = [
    {
      principal: { type: "user", id: "alice@acme.example" },
      role: "operator",
      vote: "approve",
      reason: null,
      at: "2026-11-26T09:04:10Z",
    },
    {
      principal: { type: "user", id: "bob@acme.example" },
      role: "operator",
      vote: "approve",
      reason: "confirmed with DB owner",
      at: "2026-11-26T09:06:45Z",
    },
  ];
  for (const vote of votes) {
    approved.events.push(
      append({
        type: EVENT_TYPES.approvalVoted,
        subjectId: "apr_02approve",
        at: vote.at,
        payload: { ...votePayload(vote) },
      }),
    );
  }
  approved.events.push(
    append({
      type: EVENT_TYPES.approvalResolved,
      subjectId: "apr_02approve",
      at: "2026-11-26T09:06:45Z",
      payload: { status: "APPROVED" },
    }),
  );
  execute("exe_02approve", approved.events, [
    "2026-11-26T09:06:45Z",
    "2026-11-26T09:06:45.300Z",
    "2026-11-26T09:06:46.020Z",
  ]);
  const approvalRecord: ApprovalRecord = {
    id: "apr_02approve",
    quorum: 2,
    roles: ["operator"],
    expiresAt,
    votes,
    status: "APPROVED",
  };

  // 3. DENY by policy.
  const denyInput = input(
    {
      actor: { type: "agent", id: "llm-agent-7" },
      action: "host.wipe",
      actionClass: "A3_irreversible",
      target: "web-7",
      parameters: {},
      idempotencyKey: "llm-agent-7:wipe-web-7",
      requestedAt: "2026-11-26T09:10:00Z",
    },
    "2026-11-26T09:10:00.090Z",
  );
  const deny = decideAndRecord("int_03deny", "dec_03deny", denyInput);

  const bundle = (
    intentId: string,
    decisionId: string,
    decisionInput: DecisionInput,
    decided: { output: ReturnType<typeof decide>; events: ChainEvent[] },
    approval: ApprovalRecord | null,
  ) =>
    buildEvidence(
      {
        subject: subject(intentId, decisionId),
        input: decisionInput,
        output: decided.output,
        approval,
        events: decided.events,
      },
      crypto,
      signer,
    );
  return {
    allow: bundle("int_01allow", "dec_01allow", allowInput, allow, null),
    approved: bundle("int_02approve", "dec_02approve", approvalInput, approved, approvalRecord),
    deny: bundle("int_03deny", "dec_03deny", denyInput, deny, null),
  };
}
