import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  decodeBundleBytes,
  parsePinnedKey,
  showValue,
  type VerifyOutcome,
  verifyText,
} from "../../components/verify/verify-text";
import { type CommandIO, verifyCommand } from "../../server/cli/verify-command";
import { verifyBundle } from "../../server/core";
import { nodeCrypto } from "../../server/crypto/node";

/**
 * The verify page's logic against the CLI: for the same file, `verifyText` (noble crypto, as in the
 * browser) must give the CLI's verdict, mismatch list and "unreadable input" message, and the same
 * report `verifyBundle` gives with node:crypto.
 */
let dir: string;
const PUBLIC_KEY = readFileSync("docs/examples/example-public-key.txt", "utf8").trim();
const EXAMPLES = ["allow", "approved", "deny"] as const;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "exoarmur-verify-text-"));
});

const write = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

/** The CLI's `verify --json` on a file: its exit code and its parsed JSON result. */
function cli(file: string, publicKey?: string) {
  const out: string[] = [];
  const io: CommandIO = { out: (line) => out.push(line), err: (line) => out.push(line) };
  const code = verifyCommand(file, { json: true, ...(publicKey ? { publicKey } : {}) }, io);
  expect(out).toHaveLength(1);
  return { code, json: JSON.parse(out[0]!) as Record<string, unknown> };
}

/** The browser path on the same file, read as the page reads a dropped file. */
function browser(file: string, publicKey?: string): VerifyOutcome {
  return verifyText(decodeBundleBytes(readFileSync(file)), file, publicKey ? { publicKey } : {});
}

const EXIT = { verified: 0, mismatch: 1, unreadable: 2 } as const;

/** The browser outcome in the CLI's --json shape (undefined dropped, as JSON.stringify does). */
function asCliJson(file: string, outcome: VerifyOutcome): unknown {
  if (outcome.kind === "unreadable") return { file, ok: false, error: outcome.message };
  return JSON.parse(JSON.stringify({ file, ...outcome.report }));
}

function expectSameAsCli(file: string, publicKey?: string): VerifyOutcome {
  const fromCli = cli(file, publicKey);
  const outcome = browser(file, publicKey);
  expect(EXIT[outcome.kind]).toBe(fromCli.code);
  expect(asCliJson(file, outcome)).toEqual(fromCli.json);
  return outcome;
}

/** The parts of an example bundle the tampering below touches. */
interface Bundle {
  output: { verdict: string };
  approval: { votes: unknown[] } | null;
  events: { at: string }[];
  signature?: unknown;
  [field: string]: unknown;
}

const tampered = (name: string, change: (bundle: Bundle) => void) => {
  const bundle = JSON.parse(readFileSync(`docs/examples/evidence-${name}.json`, "utf8")) as Bundle;
  change(bundle);
  return JSON.stringify(bundle, null, 2);
};

describe("verifyText gives the CLI's verdict", () => {
  it.each(EXAMPLES)("the %s example: verified, same report as verifyBundle with node:crypto", (name) => {
    const file = `docs/examples/evidence-${name}.json`;
    const outcome = expectSameAsCli(file);
    expect(outcome.kind).toBe("verified");
    if (outcome.kind === "unreadable") throw new Error("unreachable");
    const direct = verifyBundle(JSON.parse(readFileSync(file, "utf8")), { crypto: nodeCrypto });
    expect(outcome.report).toEqual(direct);
    expect(outcome.report.mismatches).toEqual([]);
    expect(outcome.report.summary.trusted).toBe(false);
  });

  it("pinned with the right key: verified and trusted; with another key: the CLI's mismatch", () => {
    const file = "docs/examples/evidence-allow.json";
    const pinned = expectSameAsCli(file, PUBLIC_KEY);
    expect(pinned.kind === "verified" && pinned.report.summary.trusted).toBe(true);
    // Upper-case hex is the same key (the CLI lower-cases it too).
    expect(browser(file, PUBLIC_KEY.toUpperCase())).toEqual(pinned);
    const other = expectSameAsCli(file, "ab".repeat(32));
    expect(other.kind).toBe("mismatch");
    if (other.kind !== "mismatch") throw new Error("unreachable");
    expect(other.report.mismatches.map((m) => m.path)).toEqual(["signature.publicKey", "signature.value"]);
  });

  it("a tampered verdict (DENY → ALLOW): the same mismatches, paths, expected and actual values", () => {
    const file = write(
      "tampered-verdict.json",
      tampered("deny", (b) => {
        b.output.verdict = "ALLOW";
      }),
    );
    const outcome = expectSameAsCli(file);
    expect(outcome.kind).toBe("mismatch");
    if (outcome.kind !== "mismatch") throw new Error("unreachable");
    const direct = verifyBundle(JSON.parse(readFileSync(file, "utf8")), { crypto: nodeCrypto });
    expect(outcome.report).toEqual(direct);
    expect(outcome.report.mismatches).toHaveLength(3);
    expect(outcome.report.mismatches).toContainEqual(
      expect.objectContaining({ path: "output.verdict", expected: "DENY", actual: "ALLOW" }),
    );
  });

  it.each([
    [
      "a vote removed from an approved bundle",
      "approved",
      (b: Bundle) => {
        b.approval?.votes.pop();
      },
    ],
    [
      "an extra field",
      "allow",
      (b: Bundle) => {
        b.smuggled = { note: "not part of a bundle" };
      },
    ],
    [
      "a chain event rewritten",
      "allow",
      (b: Bundle) => {
        b.events[0]!.at = "2030-01-01T00:00:00Z";
      },
    ],
    [
      "the signature removed",
      "deny",
      (b: Bundle) => {
        delete b.signature;
      },
    ],
  ])("%s: same mismatch list as the CLI", (label, name, change) => {
    const file = write(`tampered-${label.replace(/\W+/g, "-")}.json`, tampered(name, change));
    const outcome = expectSameAsCli(file);
    expect(outcome.kind).toBe("mismatch");
    if (outcome.kind !== "mismatch") throw new Error("unreachable");
    expect(outcome.report.mismatches.length).toBeGreaterThan(0);
    for (const m of outcome.report.mismatches) expect(typeof m.path).toBe("string");
  });

  it.each([
    ["not JSON", "this is not { json"],
    ["truncated JSON", readFileSync("docs/examples/evidence-allow.json", "utf8").slice(0, 200)],
    ["an empty file", ""],
    ["a JSON array", "[1, 2, 3]"],
    ["JSON null", "null"],
    ["a JSON string", '"evidence"'],
    ["a number", "42"],
    ["an object with no bundle field", '{"hello": "world", "rules": []}'],
    [
      "a file starting with a byte-order mark",
      `\uFEFF${readFileSync("docs/examples/evidence-allow.json", "utf8")}`,
    ],
  ])("%s: unreadable input, with the CLI's exact message", (_label, content) => {
    const file = write(`unreadable-${Math.random().toString(36).slice(2)}.json`, content);
    const outcome = expectSameAsCli(file);
    expect(outcome.kind).toBe("unreadable");
  });

  it("an object with only one bundle field is a bundle with mismatches, not unreadable", () => {
    const file = write("partial.json", JSON.stringify({ schema: "exoarmur.evidence.v1" }));
    const outcome = expectSameAsCli(file);
    expect(outcome.kind).toBe("mismatch");
  });

  it("a pinned key that is not 64 hex digits is unreadable input, as in the CLI", () => {
    const file = "docs/examples/evidence-allow.json";
    const fromCli = cli(file, "abc123");
    expect(fromCli.code).toBe(2);
    const outcome = browser(file, "abc123");
    expect(outcome.kind).toBe("unreadable");
    expect(outcome.kind === "unreadable" && outcome.message).toContain("not 64 hex digits");
  });
});

describe("helpers", () => {
  it("parsePinnedKey: blank is unpinned, hex is lower-cased, anything else is refused", () => {
    expect(parsePinnedKey("  ")).toEqual({ ok: true, publicKey: undefined });
    expect(parsePinnedKey(` ${PUBLIC_KEY.toUpperCase()}\n`)).toEqual({ ok: true, publicKey: PUBLIC_KEY });
    expect(parsePinnedKey("zz".repeat(32)).ok).toBe(false);
    expect(parsePinnedKey("a".repeat(63)).ok).toBe(false);
    const long = parsePinnedKey("x".repeat(10_000));
    expect(long.ok === false && long.message.length).toBeLessThan(200);
  });

  it("showValue prints like the CLI (absent, strings raw, the rest as JSON)", () => {
    expect(showValue(undefined)).toBe("(absent)");
    expect(showValue("DENY")).toBe("DENY");
    expect(showValue(null)).toBe("null");
    expect(showValue({ a: [1, "b"] })).toBe('{"a":[1,"b"]}');
  });
});
