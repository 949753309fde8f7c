import { type ApprovalSpec, tallyApproval, type Vote } from "./approval";
import { type CanonicalMemo, canonicalJson } from "./canonical";
import { type ChainEvent, eventHash } from "./chain";
import { type CryptoProvider, keyIdOf, nobleCrypto } from "./crypto";
import { type DecisionOutput, decide } from "./decide";
import { diffJson, type Mismatch } from "./diff";
import { EVENT_TYPES, EXECUTION_EVENT_PREFIX } from "./events";
import { approvalRecordSchema, decisionOutputSchema, evidenceBundleSchema, signedBytes } from "./evidence";
import { formatPath, type PathSegment } from "./paths";
import { decisionInputSchema } from "./schemas";
import { ENGINE_VERSION, EVIDENCE_SCHEMA } from "./version";

/**
 * verifyBundle: everything a cold reviewer can check with nothing but the bundle.
 *
 * The `intent.decided` chain event is the anchor: it is covered by its own chain hash and records
 * the intent, policy, input and output hashes. Checking both a section and its recorded hash field
 * against the anchor tells *which* was changed, so a mismatch names the changed field, or the
 * smallest hashed section that contains it (e.g. `input` when a byte of the input moved).
 */
export interface VerifyOptions {
  crypto?: CryptoProvider;
  /** The server's public key (hex) obtained out of band; without it the embedded key is used and `trusted` is false. */
  publicKey?: string;
}

export interface VerifyReport {
  ok: boolean;
  mismatches: (Mismatch & { message: string })[];
  summary: {
    tenantId: unknown;
    intentId: unknown;
    decisionId: unknown;
    verdict: unknown;
    reason: unknown;
    decidingRule: unknown;
    events: number;
    keyId: unknown;
    trusted: boolean;
  };
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === "object" && !Array.isArray(value);

function at(root: unknown, path: readonly PathSegment[]): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

export function verifyBundle(bundle: unknown, options: VerifyOptions = {}): VerifyReport {
  const crypto = options.crypto ?? nobleCrypto;
  const mismatches: VerifyReport["mismatches"] = [];
  const report = (
    path: readonly PathSegment[] | string,
    expected: unknown,
    actual: unknown,
    message: string,
  ) =>
    mismatches.push({ path: typeof path === "string" ? path : formatPath(path), expected, actual, message });
  // One memo for the whole check: the intent, policy, output and payloads are serialized once,
  // then reused inside the input hash, the event hashes and the signed bytes.
  const memo: CanonicalMemo = new WeakMap();
  const hashOf = (value: unknown): string | null => {
    try {
      return value === undefined ? null : crypto.sha256Hex(canonicalJson(value, memo));
    } catch {
      return null;
    }
  };

  const b: Json = isObject(bundle) ? bundle : {};
  if (!isObject(bundle))
    report(
      "",
      "an evidence bundle (JSON object)",
      bundle === null ? "null" : typeof bundle,
      "not a JSON object",
    );

  // 1. Shape. Every schema problem is reported at its own path; later checks use what is sound.
  const shape = evidenceBundleSchema.safeParse(b);
  if (!shape.success) {
    for (const issue of shape.error.issues) {
      const path = issue.path as PathSegment[];
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys)
          report([...path, key], undefined, at(b, [...path, key]), "is not a field of an evidence bundle");
      } else report(path, issue.message, at(b, path), `${formatPath(path) || "bundle"} ${issue.message}`);
    }
  }
  if (b.schema === EVIDENCE_SCHEMA && b.engineVersion !== ENGINE_VERSION) {
    report(
      "engineVersion",
      ENGINE_VERSION,
      b.engineVersion,
      "bundle was produced by an engine this verifier does not reproduce",
    );
  }

  // 2. Chain events: each hash recomputed, order, tenant, and links between consecutive seqs.
  const events: Json[] = Array.isArray(b.events) ? (b.events as unknown[]).filter(isObject) : [];
  const subject = isObject(b.subject) ? b.subject : {};
  events.forEach((event, i) => {
    let recomputed: string | null = null;
    try {
      recomputed = eventHash(crypto, event as unknown as ChainEvent, memo);
    } catch {}
    if (recomputed !== event.hash)
      report(["events", i], event.hash, recomputed, "event content does not match its chain hash");
    if (event.tenantId !== subject.tenantId)
      report(["events", i, "tenantId"], subject.tenantId, event.tenantId, "event belongs to another tenant");
    const prev = events[i - 1];
    if (prev && typeof prev.seq === "number" && typeof event.seq === "number") {
      if (event.seq <= prev.seq)
        report(["events", i, "seq"], `> ${prev.seq}`, event.seq, "events are not in seq order");
      else if (event.seq === prev.seq + 1 && event.prevHash !== prev.hash) {
        report(["events", i, "prevHash"], prev.hash, event.prevHash, "does not link to the previous event");
      }
    }
  });

  // 3. The anchor and the hash triangle: section ↔ recorded hash ↔ chain.
  const decided = events.filter((e) => e.type === EVENT_TYPES.intentDecided);
  const anchor = decided.length === 1 ? decided[0]! : null;
  if (!anchor)
    report(
      "events",
      "exactly one intent.decided event",
      decided.length,
      "the decision event is missing or repeated",
    );
  const anchorPayload = anchor && isObject(anchor.payload) ? anchor.payload : {};
  const sections: [PathSegment[], string][] = [
    [["input", "intent"], "intentHash"],
    [["input", "policy"], "policyHash"],
    [["input"], "inputHash"],
    [["output"], "outputHash"],
  ];
  for (const [sectionPath, hashField] of sections) {
    const recomputed = hashOf(at(b, sectionPath));
    const recorded = b[hashField];
    if (anchor) {
      const anchored = anchorPayload[hashField];
      if (recorded !== anchored)
        report(hashField, anchored, recorded, "differs from the hash recorded in the chain");
      if (recomputed !== anchored)
        report(sectionPath, anchored, recomputed, "content does not hash to the value recorded in the chain");
    } else if (recomputed !== recorded) {
      report(sectionPath, recorded, recomputed, "content does not hash to its recorded hash");
    }
  }

  // 4. The subject agrees with the content and the chain.
  const intentTenant = at(b, ["input", "intent", "tenantId"]);
  if (subject.tenantId !== intentTenant)
    report("subject.tenantId", intentTenant, subject.tenantId, "is not the intent's tenant");
  if (anchor) {
    if (subject.decisionId !== anchor.subjectId)
      report("subject.decisionId", anchor.subjectId, subject.decisionId, "is not the decision in the chain");
    if (subject.intentId !== anchorPayload.intentId)
      report("subject.intentId", anchorPayload.intentId, subject.intentId, "is not the intent in the chain");
    if (subject.policyVersion !== anchorPayload.policyVersion) {
      report(
        "subject.policyVersion",
        anchorPayload.policyVersion,
        subject.policyVersion,
        "is not the policy version in the chain",
      );
    }
  }

  // 5. Re-run the decision.
  const input = shape.success
    ? { success: true as const, data: shape.data.input }
    : decisionInputSchema.safeParse(b.input);
  let output: DecisionOutput | null = decisionOutputSchema.safeParse(b.output).success
    ? (b.output as DecisionOutput)
    : null;
  if (input.success) {
    const reproduced = decide(input.data);
    for (const m of diffJson(reproduced, b.output, ["output"])) {
      report(m.path, m.expected, m.actual, "re-evaluating the input gives a different result");
    }
    output = reproduced;
  }

  // 6. Replay the approval over its votes.
  const approval = b.approval;
  if (output) {
    if (output.verdict === "REQUIRE_APPROVAL" && !isObject(approval)) {
      report(
        "approval",
        "an approval record",
        approval ?? null,
        "a REQUIRE_APPROVAL decision must carry its approval",
      );
    }
    if (output.verdict !== "REQUIRE_APPROVAL" && approval !== null && approval !== undefined) {
      report("approval", null, approval, `a ${output.verdict} decision has no approval`);
    }
  }
  const approvalRecord = approvalRecordSchema.safeParse(approval);
  let approved = false;
  if (isObject(approval)) {
    if (output?.approval) {
      for (const m of diffJson(output.approval, { quorum: approval.quorum, roles: approval.roles }, [
        "approval",
      ])) {
        report(m.path, m.expected, m.actual, "is not what the deciding rule requires");
      }
    }
    const requested = events.filter((e) => e.type === EVENT_TYPES.approvalRequested);
    if (requested.length !== 1) {
      report(
        "events",
        "exactly one approval.requested event",
        requested.length,
        "the approval request event is missing or repeated",
      );
    } else {
      const req = requested[0]!;
      if (req.subjectId !== approval.id)
        report("approval.id", req.subjectId, approval.id, "is not the approval in the chain");
      const reqPayload = isObject(req.payload) ? req.payload : {};
      if (reqPayload.expiresAt !== approval.expiresAt) {
        report(
          "approval.expiresAt",
          reqPayload.expiresAt,
          approval.expiresAt,
          "is not the expiry recorded in the chain",
        );
      }
    }
    const voted = events.filter((e) => e.type === EVENT_TYPES.approvalVoted);
    const votes = Array.isArray(approval.votes) ? approval.votes : [];
    if (voted.length !== votes.length)
      report(
        "approval.votes",
        `${voted.length} votes (as in the chain)`,
        votes.length,
        "vote count differs from the chain",
      );
    voted.forEach((event, i) => {
      if (i >= votes.length) return;
      const fromChain = { ...(isObject(event.payload) ? event.payload : {}), at: event.at };
      for (const m of diffJson(fromChain, votes[i], ["approval", "votes", i]))
        report(m.path, m.expected, m.actual, "differs from the vote recorded in the chain");
    });
    const intentActor = at(b, ["input", "intent", "actor", "id"]);
    if (approvalRecord.success && typeof intentActor === "string") {
      const record = approvalRecord.data;
      const spec: ApprovalSpec = {
        quorum: record.quorum,
        roles: record.roles,
        expiresAt: record.expiresAt,
        requesterId: intentActor,
      };
      const resolved = events.find((e) => e.type === EVENT_TYPES.approvalResolved);
      const expiredAt =
        resolved && isObject(resolved.payload) && resolved.payload.status === "EXPIRED"
          ? String(resolved.at)
          : undefined;
      let tally: ReturnType<typeof tallyApproval> | null = null;
      try {
        tally = tallyApproval(spec, record.votes as Vote[], expiredAt);
      } catch {}
      if (tally) {
        tally.refusals.forEach((refusal, i) => {
          if (refusal)
            report(
              ["approval", "votes", i],
              "a vote the approval rules accept",
              refusal,
              "this vote would have been refused",
            );
        });
        if (tally.status !== record.status)
          report(
            "approval.status",
            tally.status,
            record.status,
            "replaying the votes gives a different outcome",
          );
        approved = tally.status === "APPROVED";
        if (resolved && isObject(resolved.payload) && resolved.payload.status !== tally.status) {
          report(
            ["events", events.indexOf(resolved), "payload", "status"],
            tally.status,
            resolved.payload.status,
            "the chain records a different outcome",
          );
        }
      }
    }
  }

  // 7. Nothing ran without permission.
  if (output) {
    const permitted = output.verdict === "ALLOW" || approved;
    events.forEach((event, i) => {
      if (!permitted && typeof event.type === "string" && event.type.startsWith(EXECUTION_EVENT_PREFIX)) {
        report(
          ["events", i],
          "no execution",
          event.type,
          "an execution event without an ALLOW decision or an APPROVED approval",
        );
      }
    });
  }

  // 8. The signature.
  const signature = isObject(b.signature) ? b.signature : {};
  const trustedKey = options.publicKey?.toLowerCase();
  if (typeof signature.publicKey === "string" && signature.keyId !== keyIdOf(crypto, signature.publicKey)) {
    report(
      "signature",
      keyIdOf(crypto, signature.publicKey),
      signature.keyId,
      "keyId is not the sha256 of publicKey",
    );
  }
  if (trustedKey !== undefined && signature.publicKey !== trustedKey) {
    report("signature.publicKey", trustedKey, signature.publicKey, "bundle is not signed by the trusted key");
  }
  const key = trustedKey ?? (typeof signature.publicKey === "string" ? signature.publicKey : "");
  let signedOk = false;
  try {
    signedOk =
      typeof signature.value === "string" && crypto.verifyEd25519(key, signedBytes(b, memo), signature.value);
  } catch {}
  if (!signedOk)
    report(
      "signature.value",
      "a valid Ed25519 signature over JCS(bundle without signature)",
      signature.value,
      "signature does not verify",
    );

  return {
    ok: mismatches.length === 0,
    mismatches,
    summary: {
      tenantId: subject.tenantId,
      intentId: subject.intentId,
      decisionId: subject.decisionId,
      verdict: at(b, ["output", "verdict"]),
      reason: at(b, ["output", "reason"]),
      decidingRule: at(b, ["output", "decidingRule"]),
      events: events.length,
      keyId: signature.keyId,
      trusted: trustedKey !== undefined && signedOk && signature.publicKey === trustedKey,
    },
  };
}
