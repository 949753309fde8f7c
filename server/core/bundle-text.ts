// A bundle as text in, a verdict out: how everything that reads evidence bundles from text — the
// CLI for one file or thousands (its worker threads), the browser's verify page — classifies it.
// Not JSON, or not bundle-shaped, is "unreadable" (the CLI's exit 2); a bundle is then judged by
// verifyBundle and verifyOutcome alone. One function for all of them, so they cannot disagree.

import type { CryptoProvider } from "./crypto";
import { type VerifyReport, verifyBundle, verifyOutcome } from "./verify";
import { EVIDENCE_SCHEMA } from "./version";

/** The fields of which a document must have at least one to be checked as a bundle at all. */
export const BUNDLE_KEYS = ["schema", "input", "output", "signature", "events"] as const;

/** A checked bundle; `signerPublicKey` is the key the bundle says signed it (null when it names none). */
type Checked = { source: string; report: VerifyReport; signerPublicKey: string | null };

export type BundleCheck =
  | ({ kind: "verified" } & Checked)
  | ({ kind: "untrusted" } & Checked)
  | ({ kind: "mismatch" } & Checked)
  | { kind: "unreadable"; source: string; message: string };

export interface CheckOptions {
  crypto: CryptoProvider;
  /** The public keys (hex) the reviewer trusts: they decide verified vs untrusted. */
  trustedKeys: readonly string[];
}

const kindOf = (value: unknown): string =>
  Array.isArray(value) ? "an array" : value === null ? "null" : typeof value;

/** Parses the text (JSON.parse of all of it) and checks it is bundle-shaped; `source` names it in messages. */
export function parseBundleText(
  text: string,
  source: string,
): { ok: true; bundle: Record<string, unknown> } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `${source} is not JSON: ${(error as Error).message.replace(/\s+/g, " ")}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return {
      ok: false,
      message: `${source} is not an evidence bundle: expected a JSON object, found ${kindOf(value)}`,
    };
  }
  const keys = Object.keys(value);
  if (!BUNDLE_KEYS.some((key) => keys.includes(key))) {
    return {
      ok: false,
      message: `${source} is not an evidence bundle: it has none of the fields ${BUNDLE_KEYS.join(", ")} (expected schema "${EVIDENCE_SCHEMA}")`,
    };
  }
  return { ok: true, bundle: value as Record<string, unknown> };
}

/** The verdict on a bundle-shaped document: verified, untrusted or mismatch, with its report. */
export function checkBundle(
  bundle: Record<string, unknown>,
  source: string,
  { crypto, trustedKeys }: CheckOptions,
): BundleCheck {
  const report = verifyBundle(bundle, { crypto, trustedKeys });
  const signature = bundle.signature as { publicKey?: unknown } | null | undefined;
  const signerPublicKey =
    signature && typeof signature === "object" && typeof signature.publicKey === "string"
      ? signature.publicKey
      : null;
  return { kind: verifyOutcome(report), source, report, signerPublicKey };
}

/** parseBundleText, then checkBundle: the whole verdict on one bundle's text. */
export function checkBundleText(text: string, source: string, options: CheckOptions): BundleCheck {
  const parsed = parseBundleText(text, source);
  if (!parsed.ok) return { kind: "unreadable", source, message: parsed.message };
  return checkBundle(parsed.bundle, source, options);
}
