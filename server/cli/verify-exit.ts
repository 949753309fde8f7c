// What `exoarmur verify` answers: one outcome per bundle, an exit code per outcome (the contract
// scripts and CI rely on), and — for a directory or a JSONL file of bundles — which outcome is the
// worst, since that one is the run's exit code.

export const EXIT_VERIFIED = 0;
export const EXIT_MISMATCH = 1;
export const EXIT_UNREADABLE = 2;
export const EXIT_UNTRUSTED = 3;

/** What exit 3 says, word for word (the CLI, its --json and the browser verifier). */
export const UNTRUSTED_MESSAGE = "integrity OK, signer not trusted: pin its key with --public-key";

/** Input the command cannot read: the bundle, a key source, or an option's value (exit 2). */
export class UnreadableInput extends Error {}

export type Outcome = "verified" | "mismatch" | "unreadable" | "untrusted";

export const EXIT_FOR: Readonly<Record<Outcome, number>> = {
  verified: EXIT_VERIFIED,
  mismatch: EXIT_MISMATCH,
  unreadable: EXIT_UNREADABLE,
  untrusted: EXIT_UNTRUSTED,
};

/**
 * Best to worst. A mismatch is proof that a bundle was altered: the finding an audit must never
 * hide behind another. An unreadable bundle comes next: it was not checked at all, so it may hide
 * anything. An untrusted signer is least bad: the bundle is intact, only who signed it is unknown.
 */
export const SEVERITY: readonly Outcome[] = ["verified", "untrusted", "unreadable", "mismatch"];

export type OutcomeCounts = Record<Outcome, number>;

export const noOutcomes = (): OutcomeCounts => ({ verified: 0, mismatch: 0, untrusted: 0, unreadable: 0 });

/** The worst outcome that occurred (verified when none did). */
export function worstOutcome(counts: OutcomeCounts): Outcome {
  return SEVERITY.findLast((outcome) => counts[outcome] > 0) ?? "verified";
}
