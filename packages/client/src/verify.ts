import { verifyBundle } from "exoarmur-core-verify";

/** What `verifyBundle` reports (server/core/verify.ts); tests/sdk/types.test.ts keeps the two equal. */
export interface VerifyReport {
  ok: boolean;
  /** Every check that failed: where, what the chain or a re-run expected, and what the bundle holds. */
  mismatches: { path: string; expected: unknown; actual: unknown; message: string }[];
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

export interface VerifyEvidenceOptions {
  /** The server's signing key (hex), as GET /api/v1/signing-key answers: pin it. */
  publicKey?: string;
  /** More keys to trust, e.g. retired signing keys, so older bundles stay verifiable. */
  trustedKeys?: readonly string[];
}

/** The three answers `exoarmur verify` gives: exit 0, 3 and 1. */
export type VerifyOutcome = "verified" | "untrusted" | "mismatch";

/**
 * Verifies a bundle offline with the same code as `exoarmur verify`: the chain events, the hashes,
 * a re-run of the decision, the approval's votes, and the signature. `verified` only when the
 * signer is one of the keys you trust; a bundle that is consistent but signed by another key is
 * `untrusted` (anyone can re-sign an edited bundle with a fresh key).
 */
export function verifyEvidence(
  bundle: unknown,
  options: VerifyEvidenceOptions = {},
): VerifyReport & { outcome: VerifyOutcome } {
  // As `exoarmur verify --public-key`: the keys decide whether the signer is trusted (untrusted,
  // exit 3), never whether the bundle is intact.
  const trustedKeys = [...(options.publicKey ? [options.publicKey] : []), ...(options.trustedKeys ?? [])];
  const report = verifyBundle(bundle, { trustedKeys }) as VerifyReport;
  const outcome: VerifyOutcome = !report.ok ? "mismatch" : report.summary.trusted ? "verified" : "untrusted";
  return { ...report, outcome };
}
