// The browser's `exoarmur verify`: text in, the CLI's verdict out, with nothing but the pure core
// (no server, no network). It classifies its input exactly as server/cli/verify-command.ts does —
// not JSON or not an evidence bundle is "unreadable" (the CLI's exit 2); a bundle is then checked
// by `verifyBundle`, which passes (exit 0) or lists every mismatch (exit 1). No React here, so the
// same function is tested against the CLI on the committed example bundles.

import {
  type CryptoProvider,
  EVIDENCE_SCHEMA,
  nobleCrypto,
  type VerifyReport,
  verifyBundle,
} from "../../server/core";

export type VerifyOutcome =
  | { kind: "verified"; source: string; report: VerifyReport }
  | { kind: "mismatch"; source: string; report: VerifyReport }
  | { kind: "unreadable"; source: string; message: string };

/** The fields of which a bundle must have at least one to be checked at all (as in the CLI). */
export const BUNDLE_KEYS = ["schema", "input", "output", "signature", "events"] as const;

const PUBLIC_KEY = /^[0-9a-fA-F]{64}$/;

/** A pinned key as typed: blank is "not pinned"; otherwise 64 hex digits (any case, spaces around ignored). */
export function parsePinnedKey(
  text: string,
): { ok: true; publicKey: string | undefined } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, publicKey: undefined };
  if (!PUBLIC_KEY.test(trimmed))
    return {
      ok: false,
      message: `public key: ${trimmed.length > 80 ? `${trimmed.slice(0, 77)}...` : trimmed} is not 64 hex digits (an Ed25519 public key)`,
    };
  return { ok: true, publicKey: trimmed.toLowerCase() };
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

export function verifyText(
  text: string,
  source: string,
  options: { publicKey?: string; crypto?: CryptoProvider } = {},
): VerifyOutcome {
  const read = readBundle(text, source);
  if (!read.ok) return { kind: "unreadable", source, message: read.message };
  const pin = parsePinnedKey(options.publicKey ?? "");
  if (!pin.ok) return { kind: "unreadable", source, message: pin.message };
  const report = verifyBundle(read.bundle, {
    crypto: options.crypto ?? nobleCrypto,
    ...(pin.publicKey ? { publicKey: pin.publicKey } : {}),
  });
  return { kind: report.ok ? "verified" : "mismatch", source, report };
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
