import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  decodeBundleBytes,
  EXIT_CODES,
  parseTrustedKeys,
  plainReading,
  showValue,
  type VerifyOutcome,
  verifyText,
} from "../../components/verify/verify-text";
import { type CommandIO, UNTRUSTED_MESSAGE, verifyCommand } from "../../server/cli/verify-command";
import { type EvidenceBundle, verifyBundle } from "../../server/core";
import { nodeCrypto } from "../../server/crypto/node";
import { forgeAllow } from "../support/forge";

/**
 * The verify page's logic against the CLI: for the same file and the same trusted keys, `verifyText`
 * (noble crypto, as in the browser) must give the CLI's verdict (verified, untrusted, mismatch),
 * mismatch list and "unreadable input" message, and the same report `verifyBundle` gives with node:crypto.
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

/** The CLI's `verify --json` on a file, trusting `keys` (one --public-key each): exit code and JSON. */
function cli(file: string, keys: string[] = []) {
  const out: string[] = [];
  const io: CommandIO = { out: (line) => out.push(line), err: (line) => out.push(line) };
  const code = verifyCommand(file, { json: true, publicKey: keys }, io, undefined);
  expect(out).toHaveLength(1);
  return { code, json: JSON.parse(out[0]!) as Record<string, unknown> };
}

/** The browser path on the same file, read as the page reads a dropped file, the keys pasted. */
function browser(file: string, keys: string[] = []): VerifyOutcome {
  return verifyText(decodeBundleBytes(readFileSync(file)), file, { pastedKeys: keys.join(" ") });
}

/** The browser outcome in the CLI's --json shape (undefined dropped, as JSON.stringify does). */
function asCliJson(file: string, outcome: VerifyOutcome): unknown {
  if (outcome.kind === "unreadable") return { file, ok: false, error: outcome.message };
  const { mismatches, summary } = outcome.report;
  const untrusted =
    outcome.kind === "untrusted"
      ? { message: UNTRUSTED_MESSAGE, keyId: summary.keyId, publicKey: outcome.signerPublicKey }
      : {};
  return JSON.parse(
    JSON.stringify({
      file,
      ok: outcome.kind === "verified",
      outcome: outcome.kind,
      trusted: summary.trusted,
      ...untrusted,
      mismatches,
      summary,
    }),
  );
}

function expectSameAsCli(file: string, keys: string[] = []): VerifyOutcome {
  const fromCli = cli(file, keys);
  const outcome = browser(file, keys);
  expect(EXIT_CODES[outcome.kind]).toBe(fromCli.code);
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
  it.each(EXAMPLES)(
    "the %s example: verified under its key, same report as verifyBundle with node:crypto",
    (name) => {
      const file = `docs/examples/evidence-${name}.json`;
      const outcome = expectSameAsCli(file, [PUBLIC_KEY]);
      expect(outcome.kind).toBe("verified");
      if (outcome.kind === "unreadable") throw new Error("unreachable");
      const direct = verifyBundle(JSON.parse(readFileSync(file, "utf8")), {
        crypto: nodeCrypto,
        trustedKeys: [PUBLIC_KEY],
      });
      expect(outcome.report).toEqual(direct);
      expect(outcome.report.mismatches).toEqual([]);
      expect(outcome.report.summary.trusted).toBe(true);
      expect(outcome.signerPublicKey).toBe(PUBLIC_KEY);
    },
  );

  it.each(EXAMPLES)(
    "the %s example with no key trusted: integrity OK, signer not trusted (exit 3)",
    (name) => {
      const outcome = expectSameAsCli(`docs/examples/evidence-${name}.json`);
      expect(outcome.kind).toBe("untrusted");
      if (outcome.kind !== "untrusted") throw new Error("unreachable");
      expect(outcome.report.mismatches).toEqual([]);
      expect(outcome.report.summary.trusted).toBe(false);
    },
  );

  it("the right key in any case: verified; another key: untrusted, not a mismatch", () => {
    const file = "docs/examples/evidence-allow.json";
    const pinned = expectSameAsCli(file, [PUBLIC_KEY]);
    expect(pinned.kind).toBe("verified");
    // Upper-case hex is the same key (the CLI lower-cases it too).
    expect(browser(file, [PUBLIC_KEY.toUpperCase()])).toEqual(pinned);
    const other = expectSameAsCli(file, ["ab".repeat(32)]);
    expect(other.kind).toBe("untrusted");
    // Several keys, one of them the signer's: verified.
    expect(expectSameAsCli(file, ["ab".repeat(32), PUBLIC_KEY]).kind).toBe("verified");
  });

  it("the server's published keys are trusted, retired ones too; a re-signed forgery is not", () => {
    const file = "docs/examples/evidence-deny.json";
    const text = readFileSync(file, "utf8");
    const rotated = ["cd".repeat(32), PUBLIC_KEY]; // current key, then the retired one that signed it
    expect(verifyText(text, file, { trustedKeys: rotated }).kind).toBe("verified");
    const forged = write("forged.json", JSON.stringify(forgeAllow(JSON.parse(text) as EvidenceBundle)));
    const outcome = verifyText(readFileSync(forged, "utf8"), forged, { trustedKeys: rotated });
    expect(outcome.kind).toBe("untrusted");
    if (outcome.kind !== "untrusted") throw new Error("unreachable");
    expect(outcome.report.summary.verdict).toBe("ALLOW");
    expect(outcome.signerPublicKey).not.toBe(PUBLIC_KEY);
    expect(expectSameAsCli(forged, rotated).kind).toBe("untrusted");
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

  it("a pasted key that is not 64 hex digits is unreadable input, as in the CLI", () => {
    const file = "docs/examples/evidence-allow.json";
    const fromCli = cli(file, ["abc123"]);
    expect(fromCli.code).toBe(2);
    const outcome = browser(file, ["abc123"]);
    expect(outcome.kind).toBe("unreadable");
    expect(outcome.kind === "unreadable" && outcome.message).toContain("not 64 hex digits");
  });
});

describe("helpers", () => {
  it("parseTrustedKeys: blank is none, hex is lower-cased, keys split on blanks and commas, anything else is refused", () => {
    expect(parseTrustedKeys("  ")).toEqual({ ok: true, keys: [] });
    expect(parseTrustedKeys(` ${PUBLIC_KEY.toUpperCase()}\n`)).toEqual({ ok: true, keys: [PUBLIC_KEY] });
    expect(parseTrustedKeys(`${"ab".repeat(32)}, ${PUBLIC_KEY}\n${PUBLIC_KEY}`)).toEqual({
      ok: true,
      keys: ["ab".repeat(32), PUBLIC_KEY],
    });
    expect(parseTrustedKeys("zz".repeat(32)).ok).toBe(false);
    expect(parseTrustedKeys("a".repeat(63)).ok).toBe(false);
    expect(parseTrustedKeys(`${PUBLIC_KEY} nope`)).toMatchObject({
      ok: false,
      message: expect.stringContaining("nope"),
    });
    const long = parseTrustedKeys("x".repeat(10_000));
    expect(long.ok === false && long.message.length).toBeLessThan(200);
  });

  it("showValue prints like the CLI (absent, strings raw, the rest as JSON)", () => {
    expect(showValue(undefined)).toBe("(absent)");
    expect(showValue("DENY")).toBe("DENY");
    expect(showValue(null)).toBe("null");
    expect(showValue({ a: [1, "b"] })).toBe('{"a":[1,"b"]}');
  });
});

describe("plainReading: a failed check in one phrase, before the table", () => {
  const reading = (example: (typeof EXAMPLES)[number], edit: (b: Bundle) => void) => {
    const outcome = verifyText(tampered(example, edit), "x.json", { pastedKeys: PUBLIC_KEY });
    if (outcome.kind !== "mismatch") throw new Error(`expected a mismatch, got ${outcome.kind}`);
    return plainReading(outcome.report.mismatches);
  };

  it("names the most specific part that changed after signing", () => {
    expect(
      reading("allow", (b) => {
        (b.input as { intent: { target: string } }).intent.target = "db-1";
      }),
    ).toBe("input.intent changed after signing");
  });

  it("a verdict changed: re-running the decision gives a different one", () => {
    expect(
      reading("deny", (b) => {
        b.output.verdict = "ALLOW";
      }),
    ).toBe("output changed after signing");
  });
});
