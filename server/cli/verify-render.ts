// How `exoarmur verify` shows one bundle's verdict: the human-readable lines and the --json entry.
// The same for one bundle and for each of many (the batch adds the line number of a JSONL file).

import type { BundleCheck, VerifyReport } from "../core";
import { UNTRUSTED_MESSAGE } from "./verify-exit";

type Checked = Exclude<BundleCheck, { kind: "unreadable" }>;

const show = (value: unknown): string => {
  if (value === undefined) return "(absent)";
  const text = typeof value === "string" ? value : stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** A hostile bundle can nest a value deeper than JSON.stringify's stack: cut it, do not crash. */
const MAX_SHOWN_DEPTH = 64;

/**
 * JSON.stringify, except that a value nested too deep to serialize is shown down to
 * MAX_SHOWN_DEPTH levels, deeper ones replaced by a note. Ordinary values print exactly as
 * JSON.stringify prints them.
 */
export function stringify(value: unknown, space?: number): string {
  try {
    return JSON.stringify(value, null, space);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return JSON.stringify(clip(value, MAX_SHOWN_DEPTH), null, space);
  }
}

function clip(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth === 0) return "(nested too deep to show)";
  if (Array.isArray(value)) return value.map((item) => clip(item, depth - 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, clip(item, depth - 1)]));
}

function describeDecision(report: VerifyReport): string {
  const s = report.summary;
  const rule = s.decidingRule ? `, rule ${s.decidingRule}` : "";
  return `${s.tenantId}/${s.decisionId} ${s.verdict} (${s.reason}${rule}), ${s.events} chain events`;
}

/** The human-readable result of a checked bundle: one line when verified, otherwise why not. */
export function formatReport(check: Checked, trustedCount: number): string[] {
  const { source: file, report } = check;
  const keyId = typeof report.summary.keyId === "string" ? report.summary.keyId : "?";
  switch (check.kind) {
    case "verified":
      return [
        `verified: ${file}: ${describeDecision(report)}, signed by ${keyId.slice(0, 16)}… (trusted key)`,
      ];
    case "untrusted":
      return [
        `NOT TRUSTED: ${file}: ${describeDecision(report)}`,
        `  ${UNTRUSTED_MESSAGE} (key id ${keyId})`,
        `  the signer's public key: ${show(check.signerPublicKey ?? undefined)}`,
        trustedCount === 0
          ? "  no key is trusted: none was given with --public-key, --trusted-keys or EXOARMUR_TRUSTED_KEYS"
          : trustedCount === 1
            ? "  it is not the one trusted key given"
            : `  it is none of the ${trustedCount} trusted keys given`,
        "  pin a key only if you got it from the server out of band (GET /api/v1/signing-key): the key inside a bundle proves nothing",
      ];
    case "mismatch": {
      const lines = [
        `NOT VERIFIED: ${file}: ${report.mismatches.length} mismatch${report.mismatches.length === 1 ? "" : "es"}`,
      ];
      for (const m of report.mismatches) {
        lines.push(`  ${m.path || "(bundle)"}: ${m.message}`);
        lines.push(`      expected: ${show(m.expected)}`);
        lines.push(`      actual:   ${show(m.actual)}`);
      }
      return lines;
    }
  }
}

/** Where a bundle came from: its file, and its line when the file is JSONL. */
export interface Place {
  file: string;
  line?: number;
}

/** The --json result of one bundle (`line` only for a bundle from a JSONL file). */
export function jsonResult({ file, line }: Place, check: BundleCheck): Record<string, unknown> {
  const at = line === undefined ? { file } : { file, line };
  if (check.kind === "unreadable") return { ...at, ok: false, error: check.message };
  const { mismatches, summary } = check.report;
  const untrusted =
    check.kind === "untrusted"
      ? { message: UNTRUSTED_MESSAGE, keyId: summary.keyId, publicKey: check.signerPublicKey }
      : {};
  return {
    ...at,
    ok: check.kind === "verified",
    outcome: check.kind,
    trusted: summary.trusted,
    ...untrusted,
    mismatches,
    summary,
  };
}
