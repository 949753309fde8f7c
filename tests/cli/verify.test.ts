import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type EvidenceBundle, keyIdOf, parsePolicy } from "../../server/core";
import { generateSecretKeyHex, nodeCrypto, nodeSigner } from "../../server/crypto/node";
import { forgeAllow } from "../support/forge";

/**
 * Runs the real `exoarmur` bin as a user would: a child process, its exit code and output. The
 * environment's EXOARMUR_TRUSTED_KEYS is dropped unless a test sets it, so no key is trusted by accident.
 */
function exoarmur(args: string[], env: Record<string, string> = {}) {
  const { EXOARMUR_TRUSTED_KEYS: _ignored, ...inherited } = process.env;
  const result = spawnSync(process.execPath, ["bin/exoarmur.mjs", ...args], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...inherited, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const verify = (...args: string[]) => exoarmur(["verify", ...args]);

const EXAMPLES = ["allow", "approved", "deny"] as const;
const KEY_FILE = "docs/examples/example-public-key.txt";
const EXAMPLE_KEY = readFileSync(KEY_FILE, "utf8").trim();
const EXAMPLE_KEY_ID = keyIdOf(nodeCrypto, EXAMPLE_KEY);
const UNTRUSTED = "integrity OK, signer not trusted: pin its key with --public-key";
/** A second key, as after `exoarmur signing-key rotate`. */
const ROTATED_KEY = nodeSigner(generateSecretKeyHex()).publicKeyHex;

let dir: string;
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const example = (name: string) =>
  JSON.parse(readFileSync(`docs/examples/evidence-${name}.json`, "utf8")) as EvidenceBundle;
let forged: string;
let forgedKeyId: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "exoarmur-cli-"));
  const bundle = forgeAllow(example("deny"));
  forgedKeyId = bundle.signature.keyId;
  forged = file("forged-allow.json", JSON.stringify(bundle, null, 2));
});

describe("docs/examples", () => {
  it("policy.json (used in the README) is a valid policy", () => {
    const parsed = parsePolicy(JSON.parse(readFileSync("docs/examples/policy.json", "utf8")));
    expect(parsed.ok).toBe(true);
  });
});

describe("exoarmur verify: exit 0 only for a signer you trust", () => {
  it.each(EXAMPLES)("exit 0 and a one-line summary for the %s example, its key pinned", (name) => {
    const run = verify(`docs/examples/evidence-${name}.json`, "--public-key", KEY_FILE);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^verified: docs/examples/evidence-${name}\\.json: acme/dec_`));
    expect(lines[0]).toContain(`signed by ${EXAMPLE_KEY_ID.slice(0, 16)}… (trusted key)`);
    expect(run.stderr).toBe("");
  });

  it.each(EXAMPLES)("exit 3 for the %s example when no key is trusted at all", (name) => {
    const run = verify(`docs/examples/evidence-${name}.json`);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(UNTRUSTED);
    expect(run.stderr).toContain(EXAMPLE_KEY_ID);
    expect(run.stderr).not.toMatch(/^verified/m);
  });

  it("a DENY bundle forged into an ALLOW, rehashed and re-signed with a fresh key: exit 3, not 0", () => {
    const run = verify(forged, "--public-key", KEY_FILE);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(UNTRUSTED);
    expect(run.stderr).toContain(forgedKeyId);
    expect(run.stdout).toBe("");
    const json = verify(forged, "--public-key", KEY_FILE, "--json");
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      trusted: false,
      outcome: "untrusted",
      message: UNTRUSTED,
      keyId: forgedKeyId,
      mismatches: [],
      summary: { verdict: "ALLOW", trusted: false },
    });
    // Without any key it is the same answer: the key inside the bundle proves nothing.
    expect(verify(forged).code).toBe(3);
  });

  it("a genuine bundle under another pinned key: exit 3 (who signed it is the question, not integrity)", () => {
    const run = verify("docs/examples/evidence-allow.json", "--public-key", "ab".repeat(32));
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(UNTRUSTED);
    expect(run.stderr).toContain(EXAMPLE_KEY_ID);
  });

  it("--public-key may repeat: any of the keys given makes the signer trusted", () => {
    const run = verify(
      "docs/examples/evidence-approved.json",
      "--public-key",
      "ab".repeat(32),
      "--public-key",
      KEY_FILE,
      "--public-key",
      ROTATED_KEY.toUpperCase(),
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("(trusted key)");
  });

  it("--trusted-keys: a rotated key list (as GET /api/v1/signing-key answers) keeps old bundles verifiable", () => {
    // The server rotated: the documentation key is retired, a new one is active.
    const response = {
      alg: "Ed25519",
      keyId: keyIdOf(nodeCrypto, ROTATED_KEY),
      publicKey: ROTATED_KEY,
      keys: [
        {
          keyId: keyIdOf(nodeCrypto, ROTATED_KEY),
          publicKey: ROTATED_KEY,
          active: true,
          createdAt: "2026-12-01T00:00:00.000Z",
        },
        {
          keyId: EXAMPLE_KEY_ID,
          publicKey: EXAMPLE_KEY,
          active: false,
          createdAt: "2026-11-26T09:00:00.000Z",
        },
      ],
    };
    const fromResponse = verify(
      "docs/examples/evidence-allow.json",
      "--trusted-keys",
      file("keys.json", JSON.stringify(response)),
    );
    expect(fromResponse.code).toBe(0);
    expect(fromResponse.stdout).toContain("(trusted key)");
    const objects = file("key-objects.json", JSON.stringify(response.keys));
    expect(verify("docs/examples/evidence-deny.json", "--trusted-keys", objects).code).toBe(0);
    const hex = file("key-hex.json", JSON.stringify([ROTATED_KEY, EXAMPLE_KEY]));
    expect(verify("docs/examples/evidence-approved.json", "--trusted-keys", hex).code).toBe(0);
    // The forgery's key is in none of them.
    expect(verify(forged, "--trusted-keys", objects).code).toBe(3);
    const onlyNew = file("only-new.json", JSON.stringify([ROTATED_KEY]));
    expect(verify("docs/examples/evidence-allow.json", "--trusted-keys", onlyNew).code).toBe(3);
    // --trusted-keys may repeat: the keys of every file are trusted.
    const onlyOld = file("only-old.json", JSON.stringify([EXAMPLE_KEY]));
    expect(
      verify("docs/examples/evidence-allow.json", "--trusted-keys", onlyNew, "--trusted-keys", onlyOld).code,
    ).toBe(0);
  });

  it("EXOARMUR_TRUSTED_KEYS (comma-separated hex) is trusted too", () => {
    const env = { EXOARMUR_TRUSTED_KEYS: ` ${ROTATED_KEY}, ${EXAMPLE_KEY} ` };
    const run = exoarmur(["verify", "docs/examples/evidence-allow.json"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("(trusted key)");
    expect(exoarmur(["verify", forged], env).code).toBe(3);
    expect(
      exoarmur(["verify", "docs/examples/evidence-allow.json"], { EXOARMUR_TRUSTED_KEYS: ROTATED_KEY }).code,
    ).toBe(3);
  });

  it("exit 1 with a field-by-field diff for a tampered bundle, whatever keys are trusted", () => {
    const bundle = example("deny");
    (bundle.output as { verdict: string }).verdict = "ALLOW";
    const path = file("tampered.json", JSON.stringify(bundle));
    for (const run of [verify(path), verify(path, "--public-key", KEY_FILE)]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^NOT VERIFIED: .*tampered\.json: 3 mismatches/);
      expect(run.stderr).toContain("output.verdict: re-evaluating the input gives a different result");
      expect(run.stderr).toMatch(/expected: DENY\n\s+actual: {3}ALLOW/);
      expect(run.stderr).not.toContain(UNTRUSTED);
      expect(run.stdout).toBe("");
    }
  });

  it("--json prints the machine-readable result: verified, untrusted and mismatch", () => {
    const ok = verify("docs/examples/evidence-approved.json", "--json", "--public-key", EXAMPLE_KEY);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      trusted: true,
      outcome: "verified",
      mismatches: [],
      summary: { verdict: "REQUIRE_APPROVAL", events: 9, trusted: true },
    });
    const untrusted = verify("docs/examples/evidence-approved.json", "--json");
    expect(untrusted.code).toBe(3);
    expect(JSON.parse(untrusted.stdout)).toMatchObject({
      ok: false,
      trusted: false,
      outcome: "untrusted",
      keyId: EXAMPLE_KEY_ID,
      mismatches: [],
    });
    const bundle = example("allow");
    bundle.inputHash = "f".repeat(64);
    const bad = verify(file("bad-hash.json", JSON.stringify(bundle)), "--json", "--public-key", KEY_FILE);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(report).toMatchObject({ ok: false, outcome: "mismatch" });
    expect(report.mismatches.map((m: { path: string }) => m.path)).toEqual(["inputHash", "signature.value"]);
  });

  it.each([
    ["a missing file", () => join(dir, "nope.json"), /cannot read .*nope\.json: no such file/],
    // A directory is not unreadable any more: its *.json files are verified (verify-many.test.ts).
    ["text that is not JSON", () => file("text.json", "this is not json"), /is not JSON/],
    ["an empty file", () => file("empty.json", ""), /is not JSON/],
    ["a JSON array", () => file("array.json", "[1,2,3]"), /expected a JSON object, found an array/],
    ["JSON null", () => file("null.json", "null"), /found null/],
    ["an unrelated JSON object", () => "package.json", /not an evidence bundle: it has none of the fields/],
  ])("exit 2 with a clear message for %s", (_name, path, message) => {
    const run = verify(path(), "--public-key", KEY_FILE);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/^exoarmur verify: /);
  });

  it("exit 2 for a malformed --public-key, and for a missing argument", () => {
    const key = verify("docs/examples/evidence-allow.json", "--public-key", "not-a-key");
    expect(key.code).toBe(2);
    expect(key.stderr).toContain("neither 64 hex digits nor a readable file");
    const missing = verify();
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'bundle'");
  });

  it.each([
    [
      "a missing file",
      () => join(dir, "no-keys.json"),
      /--trusted-keys: cannot read .*no-keys\.json: no such file/,
    ],
    [
      "text that is not JSON",
      () => file("keys-text.json", "ab".repeat(32)),
      /--trusted-keys: .*keys-text\.json is not JSON/,
    ],
    [
      "an object that is not a key list",
      () => file("keys-obj.json", '{"keys": "all of them"}'),
      /--trusted-keys: .*keys-obj\.json: expected a JSON list of public keys .*found an object/,
    ],
    ["a number", () => file("keys-num.json", "42"), /expected a JSON list of public keys .*found a number/],
    ["an empty list", () => file("keys-empty.json", "[]"), /keys-empty\.json lists no keys/],
    [
      "an entry that is not hex",
      () => file("keys-bad.json", JSON.stringify([EXAMPLE_KEY, "xyz"])),
      /keys-bad\.json: entry \[1\]: "xyz" is not 64 hex digits/,
    ],
    [
      "a key one digit short",
      () => file("keys-short.json", JSON.stringify([EXAMPLE_KEY.slice(1)])),
      /entry \[0\]: ".*" is not 64 hex digits/,
    ],
    [
      "an object without a publicKey",
      () => file("keys-nokey.json", JSON.stringify([{ keyId: EXAMPLE_KEY_ID }])),
      /entry \[0\]: publicKey is missing/,
    ],
    [
      "a publicKey that is not a string",
      () => file("keys-type.json", JSON.stringify([{ publicKey: 7 }])),
      /entry \[0\]: publicKey is not 64 hex digits/,
    ],
    [
      "a keyId that is not its key's",
      () => file("keys-id.json", JSON.stringify([{ keyId: "ab".repeat(32), publicKey: EXAMPLE_KEY }])),
      /entry \[0\]: keyId is not the sha256 of its publicKey/,
    ],
    [
      "null as an entry",
      () => file("keys-null.json", "[null]"),
      /entry \[0\]: expected 64 hex digits or an object with a publicKey, found null/,
    ],
  ])("exit 2 naming the problem for a --trusted-keys file with %s", (_name, path, message) => {
    const run = verify("docs/examples/evidence-allow.json", "--trusted-keys", path());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^exoarmur verify: /);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });

  it("exit 2 naming the entry for a malformed EXOARMUR_TRUSTED_KEYS", () => {
    const run = exoarmur(["verify", "docs/examples/evidence-allow.json"], {
      EXOARMUR_TRUSTED_KEYS: `${EXAMPLE_KEY},not-hex`,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('EXOARMUR_TRUSTED_KEYS: entry [1]: "not-hex" is not 64 hex digits');
  });

  it("exit 1, not a crash, for a hostile bundle-shaped document", () => {
    let deep: unknown = 0;
    for (let i = 0; i < 3000; i++) deep = { d: deep };
    const hostile = {
      schema: "exoarmur.evidence.v1",
      input: { intent: { parameters: deep } },
      events: "x",
      signature: { value: 7 },
    };
    const run = verify(file("hostile.json", JSON.stringify(hostile)));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("NOT VERIFIED");
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it("--help documents the trusted keys and the exit codes; --version prints the engine version", () => {
    const help = verify("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Exit codes: 0 verified, 1 mismatch");
    expect(help.stdout).toContain("3 integrity OK but the signer is not trusted");
    for (const option of ["--public-key", "--trusted-keys", "EXOARMUR_TRUSTED_KEYS"])
      expect(help.stdout).toContain(option);
    const version = exoarmur(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe("exoarmur-core/1.0.0");
  });
});
