import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parsePolicy } from "../../server/core";

/** Runs the real `exoarmur` bin as a user would: a child process, its exit code and output. */
function exoarmur(...args: string[]) {
  const result = spawnSync(process.execPath, ["bin/exoarmur.mjs", ...args], {
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const EXAMPLES = ["allow", "approved", "deny"] as const;
let dir: string;
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "exoarmur-cli-"));
});

describe("docs/examples", () => {
  it("policy.json (used in the README) is a valid policy", () => {
    const parsed = parsePolicy(JSON.parse(readFileSync("docs/examples/policy.json", "utf8")));
    expect(parsed.ok).toBe(true);
  });
});

describe("exoarmur verify", () => {
  it.each(EXAMPLES)("exit 0 and a one-line summary for the %s example", (name) => {
    const run = exoarmur("verify", `docs/examples/evidence-${name}.json`);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^verified: docs/examples/evidence-${name}\\.json: acme/dec_`));
    expect(run.stderr).toBe("");
  });

  it("pins the server key with --public-key (hex or file)", () => {
    const fromFile = exoarmur(
      "verify",
      "docs/examples/evidence-allow.json",
      "--public-key",
      "docs/examples/example-public-key.txt",
    );
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toContain("(trusted key)");
    const other = exoarmur("verify", "docs/examples/evidence-allow.json", "--public-key", "ab".repeat(32));
    expect(other.code).toBe(1);
    expect(other.stderr).toContain("signature.publicKey: bundle is not signed by the trusted key");
  });

  it("exit 1 with a field-by-field diff for a tampered bundle", () => {
    const bundle = JSON.parse(readFileSync("docs/examples/evidence-deny.json", "utf8"));
    bundle.output.verdict = "ALLOW";
    const run = exoarmur("verify", file("tampered.json", JSON.stringify(bundle)));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^NOT VERIFIED: .*tampered\.json: 3 mismatches/);
    expect(run.stderr).toContain("output.verdict: re-evaluating the input gives a different result");
    expect(run.stderr).toMatch(/expected: DENY\n\s+actual: {3}ALLOW/);
    expect(run.stdout).toBe("");
  });

  it("--json prints the machine-readable result, for success and for mismatch", () => {
    const ok = exoarmur("verify", "docs/examples/evidence-approved.json", "--json");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      mismatches: [],
      summary: { verdict: "REQUIRE_APPROVAL", events: 9 },
    });
    const bundle = JSON.parse(readFileSync("docs/examples/evidence-allow.json", "utf8"));
    bundle.inputHash = "f".repeat(64);
    const bad = exoarmur("verify", file("bad-hash.json", JSON.stringify(bundle)), "--json");
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).mismatches.map((m: { path: string }) => m.path)).toEqual([
      "inputHash",
      "signature.value",
    ]);
  });

  it.each([
    ["a missing file", () => join(dir, "nope.json"), /cannot read .*nope\.json: no such file/],
    ["a directory", () => dir, /is a directory/],
    ["text that is not JSON", () => file("text.json", "this is not json"), /is not JSON/],
    ["an empty file", () => file("empty.json", ""), /is not JSON/],
    ["a JSON array", () => file("array.json", "[1,2,3]"), /expected a JSON object, found an array/],
    ["JSON null", () => file("null.json", "null"), /found null/],
    ["an unrelated JSON object", () => "package.json", /not an evidence bundle: it has none of the fields/],
  ])("exit 2 with a clear message for %s", (_name, path, message) => {
    const run = exoarmur("verify", path());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/^exoarmur verify: /);
  });

  it("exit 2 for a malformed --public-key, and for a missing argument", () => {
    const key = exoarmur("verify", "docs/examples/evidence-allow.json", "--public-key", "not-a-key");
    expect(key.code).toBe(2);
    expect(key.stderr).toContain("neither 64 hex digits nor a readable file");
    const missing = exoarmur("verify");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'bundle'");
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
    const run = exoarmur("verify", file("hostile.json", JSON.stringify(hostile)));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("NOT VERIFIED");
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
  });

  it("--help documents the exit codes; --version prints the engine version", () => {
    const help = exoarmur("verify", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Exit codes: 0 verified, 1 mismatch");
    const version = exoarmur("--version");
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe("exoarmur-core/1.0.0");
  });
});
