// The evidence bundle: one self-contained JSON document per intent from which a cold reviewer,
// with no server, database or network, re-runs the decision and checks every hash, chain link,
// approval vote and the server's Ed25519 signature over JCS(bundle without signature).

import { z } from "zod";
import { APPROVAL_STATUSES, voteSchema } from "./approval";
import { type CanonicalMemo, canonicalJson, utf8 } from "./canonical";
import { type ChainEvent, chainEventSchema } from "./chain";
import { type CryptoProvider, keyIdOf, type Signer } from "./crypto";
import { type DecisionOutput, REASON_CODES } from "./decide";
import type { DecisionHashes } from "./events";
import {
  approvalRequirementSchema,
  type DecisionInput,
  decisionInputSchema,
  nameString,
  tenantIdSchema,
  timestampSchema,
} from "./schemas";
import { EVIDENCE_SCHEMA } from "./version";

const hex = (bytes: number) =>
  z
    .string({ error: "must be a string" })
    .regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), { error: `must be ${bytes * 2} lowercase hex digits` });

export const decisionOutputSchema = z.strictObject({
  engineVersion: z.string({ error: "must be a string" }),
  verdict: z.enum(["ALLOW", "DENY", "REQUIRE_APPROVAL"], {
    error: "must be ALLOW, DENY or REQUIRE_APPROVAL",
  }),
  reason: z.enum(REASON_CODES, { error: "must be a known reason code" }),
  decidingRule: z.string({ error: "must be a string or null" }).nullable(),
  matchedRules: z.array(
    z.strictObject({ id: z.string(), effect: z.enum(["allow", "deny", "require_approval"]) }),
    { error: "must be an array" },
  ),
  killSwitch: z.string({ error: "must be a string or null" }).nullable(),
  approval: approvalRequirementSchema.nullable(),
});

export const approvalRecordSchema = z.strictObject({
  id: nameString(),
  quorum: z.number({ error: "must be a number" }).int(),
  roles: z.array(z.enum(["admin", "operator"]), { error: "must be an array" }),
  expiresAt: timestampSchema,
  /** Person ids accountable for the submission: none of them may vote. */
  submitters: z.array(nameString(), { error: "must be an array" }).optional(),
  votes: z.array(voteSchema, { error: "must be an array" }),
  status: z.enum(APPROVAL_STATUSES, { error: `must be one of ${APPROVAL_STATUSES.join(", ")}` }),
});
export type ApprovalRecord = z.infer<typeof approvalRecordSchema>;

const evidenceSubjectSchema = z.strictObject({
  tenantId: tenantIdSchema,
  intentId: nameString(),
  decisionId: nameString(),
  policyVersion: z.number({ error: "must be a number or null" }).int().nullable(),
});
type EvidenceSubject = z.infer<typeof evidenceSubjectSchema>;

const signatureSchema = z.strictObject({
  alg: z.literal("Ed25519", { error: "must be Ed25519" }),
  keyId: hex(32),
  publicKey: hex(32),
  value: hex(64),
});

export const evidenceBundleSchema = z.strictObject({
  schema: z.literal(EVIDENCE_SCHEMA, { error: `must be ${EVIDENCE_SCHEMA}` }),
  engineVersion: z.string({ error: "must be a string" }),
  subject: evidenceSubjectSchema,
  input: decisionInputSchema,
  output: decisionOutputSchema,
  intentHash: hex(32),
  policyHash: hex(32),
  inputHash: hex(32),
  outputHash: hex(32),
  approval: approvalRecordSchema.nullable(),
  events: z.array(chainEventSchema, { error: "must be an array" }),
  signature: signatureSchema,
});
export type EvidenceBundle = z.infer<typeof evidenceBundleSchema>;

export function hashJson(crypto: CryptoProvider, value: unknown): string {
  return crypto.sha256Hex(canonicalJson(value));
}

/** The four content hashes of a decision: what the `intent.decided` event records. */
export function decisionHashes(
  crypto: CryptoProvider,
  input: DecisionInput,
  output: DecisionOutput,
  /**
   * What the caller already knows of `input.policy`: its hash, and a memo holding its canonical text
   * (a server deciding thousands of times under one version makes both once). Same hashes either way.
   */
  known?: { policyHash: string; memo: CanonicalMemo },
): DecisionHashes {
  const memo = known?.memo;
  return {
    intentHash: crypto.sha256Hex(canonicalJson(input.intent, memo)),
    policyHash: known?.policyHash ?? hashJson(crypto, input.policy),
    inputHash: crypto.sha256Hex(canonicalJson(input, memo)),
    outputHash: hashJson(crypto, output),
  };
}

/** The bytes the server signs: JCS of the bundle without its signature. */
export function signedBytes(bundle: Record<string, unknown>, memo?: CanonicalMemo): Uint8Array {
  const { signature: _omit, ...rest } = bundle;
  return utf8(canonicalJson(rest, memo));
}

interface EvidenceParts {
  subject: EvidenceSubject;
  input: DecisionInput;
  output: DecisionOutput;
  approval: ApprovalRecord | null;
  /** The intent's events from the tenant chain, in seq order (`intent.decided` first). */
  events: ChainEvent[];
}

export function buildEvidence(parts: EvidenceParts, crypto: CryptoProvider, signer: Signer): EvidenceBundle {
  const unsigned = {
    schema: EVIDENCE_SCHEMA,
    engineVersion: parts.output.engineVersion,
    subject: parts.subject,
    input: parts.input,
    output: parts.output,
    ...decisionHashes(crypto, parts.input, parts.output),
    approval: parts.approval,
    events: parts.events,
  } as const;
  const value = signer.sign(signedBytes(unsigned));
  return {
    ...unsigned,
    signature: {
      alg: "Ed25519",
      keyId: keyIdOf(crypto, signer.publicKeyHex),
      publicKey: signer.publicKeyHex,
      value,
    },
  };
}
