// The browser's `exoarmur verify`: text and trusted keys in, the CLI's verdict out, with nothing but
// the pure core (no network: the caller passes the keys it trusts). It classifies its input with the
// CLI's own function (server/core/bundle-text.ts) — not JSON, not an evidence bundle or a malformed
// pasted key is "unreadable" (the CLI's exit 2); a bundle is then checked by `verifyBundle` and is "verified"
// (exit 0: consistent and signed by a trusted key), "untrusted" (exit 3: consistent, but signed by
// a key nobody vouched for — anyone can re-sign an edited bundle) or a "mismatch" (exit 1). No React
// here, so the same function is tested against the CLI on the committed example bundles.

import {
  type BundleCheck,
  type CryptoProvider,
  checkBundle,
  nobleCrypto,
  parseBundleText,
} from "../../server/core";

/** A checked bundle (verified, untrusted, mismatch) or unreadable input, as the CLI judges it. */
export type VerifyOutcome = BundleCheck;

/** The CLI's exit code for each outcome. */
export const EXIT_CODES = { verified: 0, mismatch: 1, unreadable: 2, untrusted: 3 } as const;

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

/**
 * Checks a bundle's text. Trusted are `trustedKeys` (the server's published keys) and the keys in
 * `pastedKeys` (text, as the user typed it).
 */
export function verifyText(
  text: string,
  source: string,
  options: { trustedKeys?: readonly string[]; pastedKeys?: string; crypto?: CryptoProvider } = {},
): VerifyOutcome {
  const parsed = parseBundleText(text, source);
  if (!parsed.ok) return { kind: "unreadable", source, message: parsed.message };
  const pasted = parseTrustedKeys(options.pastedKeys ?? "");
  if (!pasted.ok) return { kind: "unreadable", source, message: pasted.message };
  return checkBundle(parsed.bundle, source, {
    crypto: options.crypto ?? nobleCrypto,
    trustedKeys: [...(options.trustedKeys ?? []), ...pasted.keys],
  });
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

/** What a failed check means, in one plain phrase, before the table of mismatches. */
export function plainReading(mismatches: readonly { path: string; message: string }[]): string {
  const changed = [
    ...new Set(
      mismatches
        .filter((m) =>
          /does not hash|does not match its chain hash|differs from the hash recorded/.test(m.message),
        )
        .map((m) => m.path || "the bundle"),
    ),
  ];
  // The most specific sections: "input.intent" rather than "input" as well.
  const specific = changed.filter((p) => !changed.some((q) => q !== p && q.startsWith(`${p}.`)));
  if (specific.length > 0) return `${specific.slice(0, 3).join(", ")} changed after signing`;
  const rerun = mismatches.find((m) => m.message.startsWith("re-evaluating"));
  if (rerun) return `re-running the decision gives a different ${rerun.path}`;
  if (mismatches.some((m) => m.path.startsWith("signature")))
    return "the signature does not match: the bundle was altered after signing, or signed by another key";
  const first = mismatches[0];
  return first ? `${first.path || "the bundle"}: ${first.message}` : "the bundle does not check out";
}
