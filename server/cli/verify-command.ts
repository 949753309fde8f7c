import { readFileSync } from "node:fs";
import { EVIDENCE_SCHEMA, type VerifyReport, verifyBundle } from "../core";
import { nodeCrypto } from "../crypto/node";
import { readJsonFile } from "./read-json-file";

/** Exit codes of `exoarmur verify`: the contract scripts and CI rely on. */
export const EXIT_VERIFIED = 0;
export const EXIT_MISMATCH = 1;
export const EXIT_UNREADABLE = 2;

export class UnreadableInput extends Error {}

export interface CommandIO {
  out: (line: string) => void;
  err: (line: string) => void;
}

const BUNDLE_KEYS = ["schema", "input", "output", "signature", "events"];

/** Reads the file and decides whether it is a bundle at all (exit 2) or one to verify (exit 0/1). */
export function readBundle(file: string): Record<string, unknown> {
  const read = readJsonFile(file);
  if (!read.ok) throw new UnreadableInput(read.message);
  const value = read.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UnreadableInput(
      `${file} is not an evidence bundle: expected a JSON object, found ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`,
    );
  }
  const keys = Object.keys(value);
  if (!BUNDLE_KEYS.some((key) => keys.includes(key))) {
    throw new UnreadableInput(
      `${file} is not an evidence bundle: it has none of the fields ${BUNDLE_KEYS.join(", ")} (expected schema "${EVIDENCE_SCHEMA}")`,
    );
  }
  return value as Record<string, unknown>;
}

export function readPublicKey(option: string): string {
  if (/^[0-9a-fA-F]{64}$/.test(option)) return option.toLowerCase();
  let text: string;
  try {
    text = readFileSync(option, "utf8").trim();
  } catch {
    throw new UnreadableInput(`--public-key: ${option} is neither 64 hex digits nor a readable file`);
  }
  if (!/^[0-9a-fA-F]{64}$/.test(text))
    throw new UnreadableInput(`--public-key: ${option} does not hold a 64-hex-digit Ed25519 public key`);
  return text.toLowerCase();
}

const show = (value: unknown): string => {
  if (value === undefined) return "(absent)";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

export function formatReport(file: string, report: VerifyReport): string[] {
  const s = report.summary;
  const key =
    typeof s.keyId === "string"
      ? `${s.keyId.slice(0, 16)}… (${s.trusted ? "trusted key" : "embedded key, not pinned: pass --public-key to pin it"})`
      : "?";
  if (report.ok) {
    const rule = s.decidingRule ? `, rule ${s.decidingRule}` : "";
    return [
      `verified: ${file}: ${s.tenantId}/${s.decisionId} ${s.verdict} (${s.reason}${rule}), ${s.events} chain events, signed by ${key}`,
    ];
  }
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

export function verifyCommand(
  file: string,
  options: { json?: boolean; publicKey?: string },
  io: CommandIO,
): number {
  try {
    const bundle = readBundle(file);
    const publicKey = options.publicKey ? readPublicKey(options.publicKey) : undefined;
    const report = verifyBundle(bundle, { crypto: nodeCrypto, ...(publicKey ? { publicKey } : {}) });
    if (options.json) io.out(JSON.stringify({ file, ...report }, null, 2));
    else for (const line of formatReport(file, report)) (report.ok ? io.out : io.err)(line);
    return report.ok ? EXIT_VERIFIED : EXIT_MISMATCH;
  } catch (error) {
    if (!(error instanceof UnreadableInput)) throw error;
    if (options.json) io.out(JSON.stringify({ file, ok: false, error: error.message }, null, 2));
    else io.err(`exoarmur verify: ${error.message}`);
    return EXIT_UNREADABLE;
  }
}
