// The browser's `exoarmur verify`: text and trusted keys in, the CLI's verdict out, with nothing but
// the pure core (no network: the caller passes the keys it trusts). It classifies its input exactly
// as server/cli/verify-command.ts does — not JSON, not an evidence bundle or a malformed pasted key
// is "unreadable" (the CLI's exit 2); a bundle is then checked by `verifyBundle` and is "verified"
// (exit 0: consistent and signed by a trusted key), "untrusted" (exit 3: consistent, but signed by
// a key nobody vouched for — anyone can re-sign an edited bundle) or a "mismatch" (exit 1). No React
// here, so the same function is tested against the CLI on the committed example bundles.

import {
  type CryptoProvider,
  EVIDENCE_SCHEMA,
  nobleCrypto,
  type VerifyReport,
  verifyBundle,
  verifyOutcome,
} from "../../server/core";

/** A checked bundle; `signerPublicKey` is the key the bundle says signed it (null when it names none). */
type Checked = { source: string; report: VerifyReport; signerPublicKey: string | null };

export type VerifyOutcome =
  | ({ kind: "verified" } & Checked)
  | ({ kind: "untrusted" } & Checked)
  | ({ kind: "mismatch" } & Checked)
  | { kind: "unreadable"; source: string; message: string };

/** The CLI's exit code for each outcome. */
export const EXIT_CODES = { verified: 0, mismatch: 1, unreadable: 2, untrusted: 3 } as const;

/** The fields of which a bundle must have at least one to be checked at all (as in the CLI). */
export const BUNDLE_KEYS = ["schema", "input", "output", "signature", "events"] as const;

const PUBLIC_KEY = /^[0-9a-fA-F]{64}$/;

/**
 * Public keys as pasted (like repeated `--public-key`): 64 hex digits each, any case, separated by
 * blanks, commas or new lines; blank is "none".
 */
export function parseTrustedKeys(
  text: string,
): { ok: true; keys: string[] } | { ok: false; message: string } {
  const keys: string[] = [];
  for (const item of text.split(/[\s,]+/)) {
    if (item === "") continue;
    if (!PUBLIC_KEY.test(item))
      return {
        ok: false,
        message: `public key: ${item.length > 80 ? `${item.slice(0, 77)}...` : item} is not 64 hex digits (an Ed25519 public key)`,
      };
    keys.push(item.toLowerCase());
  }
  return { ok: true, keys: [...new Set(keys)] };
}

/** Parses the text as the CLI does (JSON.parse of the whole file) and checks it is bundle-shaped. */
function readBundle(
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
    const found = Array.isArray(value) ? "an array" : value === null ? "null" : typeof value;
    return {
      ok: false,
      message: `${source} is not an evidence bundle: expected a JSON object, found ${found}`,
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

/**
 * Checks a bundle's text. Trusted are `trustedKeys` (the server's published keys) and the keys in
 * `pastedKeys` (text, as the user typed it).
 */
export function verifyText(
  text: string,
  source: string,
  options: { trustedKeys?: readonly string[]; pastedKeys?: string; crypto?: CryptoProvider } = {},
): VerifyOutcome {
  const read = readBundle(text, source);
  if (!read.ok) return { kind: "unreadable", source, message: read.message };
  const pasted = parseTrustedKeys(options.pastedKeys ?? "");
  if (!pasted.ok) return { kind: "unreadable", source, message: pasted.message };
  const report = verifyBundle(read.bundle, {
    crypto: options.crypto ?? nobleCrypto,
    trustedKeys: [...(options.trustedKeys ?? []), ...pasted.keys],
  });
  const signature = read.bundle.signature as { publicKey?: unknown } | null | undefined;
  const signerPublicKey =
    signature && typeof signature === "object" && typeof signature.publicKey === "string"
      ? signature.publicKey
      : null;
  return { kind: verifyOutcome(report), source, report, signerPublicKey };
}

/**
 * A file's bytes as the CLI reads them (`readFileSync(file, "utf8")`): UTF-8, invalid bytes
 * replaced, and a byte-order mark kept — so a BOM makes it "not JSON" here as it does there.
 */
export function decodeBundleBytes(bytes: ArrayBuffer | Uint8Array): string {
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
}

/** An expected or actual value as the CLI prints it, without its 120-character cut. */
export function showValue(value: unknown): string {
  if (value === undefined) return "(absent)";
  if (typeof value === "string") return value;
  return JSON.stringify(value) ?? String(value);
}
