/**
 * verifyBundle: everything a cold reviewer can check with nothing but the bundle.
 *
 * The `intent.decided` chain event is the anchor: it is covered by its own chain hash and records
 * the intent, policy, input and output hashes. Checking both a section and its recorded hash field
 * against the anchor tells *which* was changed, so a mismatch names the changed field, or the
 * smallest hashed section that contains it (e.g. `input` when a byte of the input moved).
 *
 * Each check answers one question and returns only its own mismatches, so one can be read, changed
 * or tested without the others. What several checks need (the parsed shape, the anchor, the re-run
 * decision, the replayed approval) is worked out once beforehand instead of being handed from one
 * check to the next. The report lists mismatches in the order of CHECKS, and tests pin that order.
 */

import { type ApprovalSpec, type ApprovalTally, tallyApproval, type Vote } from "./approval";
import { type CanonicalMemo, canonicalJson } from "./canonical";
import { type ChainEvent, eventHash } from "./chain";
import { type CryptoProvider, keyIdOf, nobleCrypto } from "./crypto";
import { type DecisionOutput, decide } from "./decide";
import { diffJson, type Mismatch } from "./diff";
import { EVENT_TYPES, EXECUTION_EVENT_PREFIX } from "./events";
import {
  type ApprovalRecord,
  approvalRecordSchema,
  decisionOutputSchema,
  evidenceBundleSchema,
  signedBytes,
} from "./evidence";
import { formatPath, type PathSegment } from "./paths";
import { decisionInputSchema } from "./schemas";
import { ENGINE_VERSION, EVIDENCE_SCHEMA } from "./version";

interface VerifyOptions {
  crypto?: CryptoProvider;
  /**
   * A strict pin: the one public key (hex) the bundle must be signed by; another signer is a
   * mismatch. Without it the signature is checked with the key embedded in the bundle.
   */
  publicKey?: string;
  /**
   * The public keys (hex) the reviewer trusts, obtained out of band (the server's current and
   * retired keys). They decide `summary.trusted`, never `ok`: a consistent bundle signed by a key
   * outside this list is intact but proves nothing about who made it (see `verifyOutcome`).
   */
  trustedKeys?: readonly string[];
}

/**
 * What a check comes to: `verified` (consistent and signed by a trusted key), `untrusted`
 * (consistent, but anyone could have made it: the signer's key is not trusted) or `mismatch`.
 */
export type VerifyOutcomeKind = "verified" | "untrusted" | "mismatch";

export function verifyOutcome(report: Pick<VerifyReport, "ok" | "summary">): VerifyOutcomeKind {
  if (!report.ok) return "mismatch";
  return report.summary.trusted ? "verified" : "untrusted";
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
type Reported = VerifyReport["mismatches"][number];
type Check = (facts: Facts) => Reported[];

interface ApprovalReplay {
  record: ApprovalRecord;
  tally: ApprovalTally;
  resolved: Json | undefined;
}

interface Facts {
  bundle: unknown;
  /** The bundle, or `{}` when it is not an object, so every check can read fields without guarding. */
  b: Json;
  crypto: CryptoProvider;
  memo: CanonicalMemo;
  trustedKey: string | undefined;
  trustedKeys: ReadonlySet<string>;
  shape: ReturnType<typeof evidenceBundleSchema.safeParse>;
  events: Json[];
  subject: Json;
  decided: Json[];
  anchor: Json | null;
  anchorPayload: Json;
  reproduced: DecisionOutput | null;
  /** What later checks judge against: the re-run decision when there is one, else a well-formed claimed one. */
  output: DecisionOutput | null;
  replay: ApprovalReplay | null;
  signature: Json;
  signedOk: () => boolean;
}

const CHECKS: readonly Check[] = [
  checkIsObject,
  checkSchema,
  checkEngineVersion,
  checkChainEvents,
  checkAnchorPresent,
  checkSectionHashes,
  checkSubjectTenant,
  checkSubjectAgainstAnchor,
  checkDecision,
  checkApprovalPresence,
  checkApprovalRequirement,
  checkApprovalRequest,
  checkApprovalVotes,
  checkApprovalReplay,
  checkExecutions,
  checkSignature,
];

export function verifyBundle(bundle: unknown, options: VerifyOptions = {}): VerifyReport {
  const facts = establishFacts(bundle, options);
  const mismatches = CHECKS.flatMap((check) => check(facts));
  return { ok: mismatches.length === 0, mismatches, summary: summarize(facts) };
}

// ---------------------------------------------------------------------------------------------------
// Facts shared by the checks

function establishFacts(bundle: unknown, options: VerifyOptions): Facts {
  const b: Json = isObject(bundle) ? bundle : {};
  const events: Json[] = Array.isArray(b.events) ? (b.events as unknown[]).filter(isObject) : [];
  const decided = events.filter((e) => e.type === EVENT_TYPES.intentDecided);
  const anchor = decided.length === 1 ? decided[0]! : null;
  const shape = evidenceBundleSchema.safeParse(b);
  const claimed = claimedOutput(b, shape);
  const reproduced = rerunDecision(b, shape);
  let signed: boolean | undefined;
  const facts: Facts = {
    bundle,
    b,
    crypto: options.crypto ?? nobleCrypto,
    // One memo for the whole check: the intent, policy, output and payloads are serialized once,
    // then reused inside the input hash, the event hashes and the signed bytes.
    memo: new WeakMap(),
    trustedKey: options.publicKey?.toLowerCase(),
    trustedKeys: new Set((options.trustedKeys ?? []).map((key) => key.toLowerCase())),
    shape,
    events,
    subject: isObject(b.subject) ? b.subject : {},
    decided,
    anchor,
    anchorPayload: anchor && isObject(anchor.payload) ? anchor.payload : {},
    reproduced,
    output: reproduced ?? claimed,
    replay: replayApproval(b, shape, events),
    signature: isObject(b.signature) ? b.signature : {},
    // Lazy, so the signed bytes are still serialized after the hash checks: they then reuse the
    // memoized sections instead of re-serializing them, which is the saving and, for a bundle nested
    // deep enough to exhaust the stack, the difference between verifying and not.
    signedOk: () => {
      signed ??= signatureVerifies(facts);
      return signed;
    },
  };
  return facts;
}

// When the whole bundle has its shape, so do its parts: what was parsed with it is reused, and
// parts are parsed on their own only to salvage what is sound in a malformed bundle.

function claimedOutput(b: Json, shape: Facts["shape"]): DecisionOutput | null {
  if (shape.success) return b.output as DecisionOutput;
  return decisionOutputSchema.safeParse(b.output).success ? (b.output as DecisionOutput) : null;
}

function rerunDecision(b: Json, shape: Facts["shape"]): DecisionOutput | null {
  if (shape.success) return decide(shape.data.input);
  const input = decisionInputSchema.safeParse(b.input);
  return input.success ? decide(input.data) : null;
}

function replayApproval(b: Json, shape: Facts["shape"], events: Json[]): ApprovalReplay | null {
  if (!isObject(b.approval)) return null;
  const record =
    shape.success && shape.data.approval
      ? { success: true as const, data: shape.data.approval }
      : approvalRecordSchema.safeParse(b.approval);
  const requesterId = at(b, ["input", "intent", "actor", "id"]);
  if (!record.success || typeof requesterId !== "string") return null;
  const { quorum, roles, expiresAt, votes, submitters } = record.data;
  const spec: ApprovalSpec = { quorum, roles, expiresAt, requesterId, ...(submitters ? { submitters } : {}) };
  const resolved = events.find((e) => e.type === EVENT_TYPES.approvalResolved);
  // The verifier has no clock: a pending approval can only have expired as of an instant the chain
  // itself records.
  const expiredAt =
    resolved && isObject(resolved.payload) && resolved.payload.status === "EXPIRED"
      ? String(resolved.at)
      : undefined;
  try {
    return { record: record.data, tally: tallyApproval(spec, votes as Vote[], expiredAt), resolved };
  } catch {
    // expiredAt comes from the chain unchecked; a malformed instant means no replay, not a crash.
    return null;
  }
}

function signatureVerifies({ b, crypto, memo, signature, trustedKey }: Facts): boolean {
  const key = trustedKey ?? (typeof signature.publicKey === "string" ? signature.publicKey : "");
  try {
    return (
      typeof signature.value === "string" && crypto.verifyEd25519(key, signedBytes(b, memo), signature.value)
    );
  } catch {
    return false;
  }
}

function summarize({
  b,
  subject,
  events,
  signature,
  trustedKey,
  trustedKeys,
  signedOk,
}: Facts): VerifyReport["summary"] {
  const signer = typeof signature.publicKey === "string" ? signature.publicKey : undefined;
  return {
    tenantId: subject.tenantId,
    intentId: subject.intentId,
    decisionId: subject.decisionId,
    verdict: at(b, ["output", "verdict"]),
    reason: at(b, ["output", "reason"]),
    decidingRule: at(b, ["output", "decidingRule"]),
    events: events.length,
    keyId: signature.keyId,
    // Trust is a property of the signer's key, and only of a signature that actually holds.
    trusted: signer !== undefined && (signer === trustedKey || trustedKeys.has(signer)) && signedOk(),
  };
}

// ---------------------------------------------------------------------------------------------------
// Shape

function checkIsObject({ bundle }: Facts): Reported[] {
  if (isObject(bundle)) return [];
  const actual = bundle === null ? "null" : typeof bundle;
  return [mismatch("", "an evidence bundle (JSON object)", actual, "not a JSON object")];
}

// Every schema problem is reported at its own path, and no check stops here: later checks use
// whatever parts are sound.
function checkSchema({ b, shape }: Facts): Reported[] {
  if (shape.success) return [];
  return shape.error.issues.flatMap((issue) => {
    const path = issue.path as PathSegment[];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) =>
        mismatch([...path, key], undefined, at(b, [...path, key]), "is not a field of an evidence bundle"),
      );
    }
    return [mismatch(path, issue.message, at(b, path), `${formatPath(path) || "bundle"} ${issue.message}`)];
  });
}

function checkEngineVersion({ b }: Facts): Reported[] {
  if (b.schema !== EVIDENCE_SCHEMA || b.engineVersion === ENGINE_VERSION) return [];
  return [
    mismatch(
      "engineVersion",
      ENGINE_VERSION,
      b.engineVersion,
      "bundle was produced by an engine this verifier does not reproduce",
    ),
  ];
}

// ---------------------------------------------------------------------------------------------------
// Chain

function checkChainEvents(facts: Facts): Reported[] {
  return facts.events.flatMap((_, i) => checkChainEvent(facts, i));
}

function checkChainEvent({ crypto, memo, events, subject }: Facts, i: number): Reported[] {
  const out: Reported[] = [];
  const event = events[i]!;
  let recomputed: string | null = null;
  try {
    recomputed = eventHash(crypto, event as unknown as ChainEvent, memo);
  } catch {}
  if (recomputed !== event.hash)
    out.push(mismatch(["events", i], event.hash, recomputed, "event content does not match its chain hash"));
  if (event.tenantId !== subject.tenantId) {
    out.push(
      mismatch(
        ["events", i, "tenantId"],
        subject.tenantId,
        event.tenantId,
        "event belongs to another tenant",
      ),
    );
  }
  const prev = events[i - 1];
  // Only consecutive seqs must link: a bundle carries this decision's events, not the whole chain.
  if (prev && typeof prev.seq === "number" && typeof event.seq === "number") {
    if (event.seq <= prev.seq) {
      out.push(mismatch(["events", i, "seq"], `> ${prev.seq}`, event.seq, "events are not in seq order"));
    } else if (event.seq === prev.seq + 1 && event.prevHash !== prev.hash) {
      out.push(
        mismatch(["events", i, "prevHash"], prev.hash, event.prevHash, "does not link to the previous event"),
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The anchor and the hash triangle: section ↔ recorded hash ↔ chain

const HASHED_SECTIONS: readonly [PathSegment[], string][] = [
  [["input", "intent"], "intentHash"],
  [["input", "policy"], "policyHash"],
  [["input"], "inputHash"],
  [["output"], "outputHash"],
];

function checkAnchorPresent({ decided, anchor }: Facts): Reported[] {
  if (anchor) return [];
  return [
    mismatch(
      "events",
      "exactly one intent.decided event",
      decided.length,
      "the decision event is missing or repeated",
    ),
  ];
}

function checkSectionHashes(facts: Facts): Reported[] {
  const { b, anchor, anchorPayload } = facts;
  const out: Reported[] = [];
  for (const [sectionPath, hashField] of HASHED_SECTIONS) {
    const recomputed = hashOf(facts, at(b, sectionPath));
    const recorded = b[hashField];
    if (anchor) {
      const anchored = anchorPayload[hashField];
      if (recorded !== anchored)
        out.push(mismatch(hashField, anchored, recorded, "differs from the hash recorded in the chain"));
      if (recomputed !== anchored) {
        out.push(
          mismatch(
            sectionPath,
            anchored,
            recomputed,
            "content does not hash to the value recorded in the chain",
          ),
        );
      }
    } else if (recomputed !== recorded) {
      // Without an anchor the recorded hash is the best reference left, though it proves less.
      out.push(mismatch(sectionPath, recorded, recomputed, "content does not hash to its recorded hash"));
    }
  }
  return out;
}

function checkSubjectTenant({ b, subject }: Facts): Reported[] {
  const intentTenant = at(b, ["input", "intent", "tenantId"]);
  if (subject.tenantId === intentTenant) return [];
  return [mismatch("subject.tenantId", intentTenant, subject.tenantId, "is not the intent's tenant")];
}

function checkSubjectAgainstAnchor({ subject, anchor, anchorPayload }: Facts): Reported[] {
  if (!anchor) return [];
  const out: Reported[] = [];
  if (subject.decisionId !== anchor.subjectId) {
    out.push(
      mismatch(
        "subject.decisionId",
        anchor.subjectId,
        subject.decisionId,
        "is not the decision in the chain",
      ),
    );
  }
  if (subject.intentId !== anchorPayload.intentId) {
    out.push(
      mismatch(
        "subject.intentId",
        anchorPayload.intentId,
        subject.intentId,
        "is not the intent in the chain",
      ),
    );
  }
  if (subject.policyVersion !== anchorPayload.policyVersion) {
    out.push(
      mismatch(
        "subject.policyVersion",
        anchorPayload.policyVersion,
        subject.policyVersion,
        "is not the policy version in the chain",
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The decision, re-run

function checkDecision({ b, reproduced }: Facts): Reported[] {
  if (!reproduced) return [];
  return diffJson(reproduced, b.output, ["output"]).map((m) =>
    mismatch(m.path, m.expected, m.actual, "re-evaluating the input gives a different result"),
  );
}

// ---------------------------------------------------------------------------------------------------
// The approval, replayed over its votes

function checkApprovalPresence({ b, output }: Facts): Reported[] {
  if (!output) return [];
  const approval = b.approval;
  if (output.verdict === "REQUIRE_APPROVAL") {
    if (isObject(approval)) return [];
    return [
      mismatch(
        "approval",
        "an approval record",
        approval ?? null,
        "a REQUIRE_APPROVAL decision must carry its approval",
      ),
    ];
  }
  if (approval === null || approval === undefined) return [];
  return [mismatch("approval", null, approval, `a ${output.verdict} decision has no approval`)];
}

function checkApprovalRequirement({ b, output }: Facts): Reported[] {
  const approval = b.approval;
  if (!isObject(approval) || !output?.approval) return [];
  return diffJson(output.approval, { quorum: approval.quorum, roles: approval.roles }, ["approval"]).map(
    (m) => mismatch(m.path, m.expected, m.actual, "is not what the deciding rule requires"),
  );
}

function checkApprovalRequest({ b, events }: Facts): Reported[] {
  const approval = b.approval;
  if (!isObject(approval)) return [];
  const requested = events.filter((e) => e.type === EVENT_TYPES.approvalRequested);
  if (requested.length !== 1) {
    return [
      mismatch(
        "events",
        "exactly one approval.requested event",
        requested.length,
        "the approval request event is missing or repeated",
      ),
    ];
  }
  const out: Reported[] = [];
  const req = requested[0]!;
  if (req.subjectId !== approval.id)
    out.push(mismatch("approval.id", req.subjectId, approval.id, "is not the approval in the chain"));
  const reqPayload = isObject(req.payload) ? req.payload : {};
  if (reqPayload.expiresAt !== approval.expiresAt) {
    out.push(
      mismatch(
        "approval.expiresAt",
        reqPayload.expiresAt,
        approval.expiresAt,
        "is not the expiry recorded in the chain",
      ),
    );
  }
  // Who may not vote is anchored in the chain too: dropping a submitter would let them approve.
  if (JSON.stringify(reqPayload.submitters ?? []) !== JSON.stringify(approval.submitters ?? [])) {
    out.push(
      mismatch(
        "approval.submitters",
        reqPayload.submitters ?? [],
        approval.submitters ?? [],
        "are not the submitters recorded in the chain",
      ),
    );
  }
  return out;
}

function checkApprovalVotes({ b, events }: Facts): Reported[] {
  const approval = b.approval;
  if (!isObject(approval)) return [];
  const out: Reported[] = [];
  const voted = events.filter((e) => e.type === EVENT_TYPES.approvalVoted);
  const votes = Array.isArray(approval.votes) ? approval.votes : [];
  if (voted.length !== votes.length) {
    out.push(
      mismatch(
        "approval.votes",
        `${voted.length} votes (as in the chain)`,
        votes.length,
        "vote count differs from the chain",
      ),
    );
  }
  voted.forEach((event, i) => {
    if (i >= votes.length) return;
    const fromChain = { ...(isObject(event.payload) ? event.payload : {}), at: event.at };
    for (const m of diffJson(fromChain, votes[i], ["approval", "votes", i]))
      out.push(mismatch(m.path, m.expected, m.actual, "differs from the vote recorded in the chain"));
  });
  return out;
}

function checkApprovalReplay({ events, replay }: Facts): Reported[] {
  if (!replay) return [];
  const { record, tally, resolved } = replay;
  const out: Reported[] = [];
  tally.refusals.forEach((refusal, i) => {
    if (refusal) {
      out.push(
        mismatch(
          ["approval", "votes", i],
          "a vote the approval rules accept",
          refusal,
          "this vote would have been refused",
        ),
      );
    }
  });
  if (tally.status !== record.status) {
    out.push(
      mismatch(
        "approval.status",
        tally.status,
        record.status,
        "replaying the votes gives a different outcome",
      ),
    );
  }
  if (resolved && isObject(resolved.payload) && resolved.payload.status !== tally.status) {
    out.push(
      mismatch(
        ["events", events.indexOf(resolved), "payload", "status"],
        tally.status,
        resolved.payload.status,
        "the chain records a different outcome",
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Nothing ran without permission

function checkExecutions({ events, output, replay }: Facts): Reported[] {
  if (!output) return [];
  // Approval counts only as replayed from the votes, never as the status the bundle claims.
  const permitted = output.verdict === "ALLOW" || replay?.tally.status === "APPROVED";
  if (permitted) return [];
  const out: Reported[] = [];
  events.forEach((event, i) => {
    if (typeof event.type === "string" && event.type.startsWith(EXECUTION_EVENT_PREFIX)) {
      out.push(
        mismatch(
          ["events", i],
          "no execution",
          event.type,
          "an execution event without an ALLOW decision or an APPROVED approval",
        ),
      );
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The signature

function checkSignature({ crypto, signature, trustedKey, signedOk }: Facts): Reported[] {
  const out: Reported[] = [];
  if (typeof signature.publicKey === "string") {
    const keyId = keyIdOf(crypto, signature.publicKey);
    if (signature.keyId !== keyId)
      out.push(mismatch("signature", keyId, signature.keyId, "keyId is not the sha256 of publicKey"));
  }
  if (trustedKey !== undefined && signature.publicKey !== trustedKey) {
    out.push(
      mismatch(
        "signature.publicKey",
        trustedKey,
        signature.publicKey,
        "bundle is not signed by the trusted key",
      ),
    );
  }
  if (!signedOk()) {
    out.push(
      mismatch(
        "signature.value",
        "a valid Ed25519 signature over JCS(bundle without signature)",
        signature.value,
        "signature does not verify",
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function mismatch(
  path: readonly PathSegment[] | string,
  expected: unknown,
  actual: unknown,
  message: string,
): Reported {
  return { path: typeof path === "string" ? path : formatPath(path), expected, actual, message };
}

function hashOf({ crypto, memo }: Facts, value: unknown): string | null {
  try {
    return value === undefined ? null : crypto.sha256Hex(canonicalJson(value, memo));
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function at(root: unknown, path: readonly PathSegment[]): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}
