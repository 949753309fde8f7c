import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EvidenceBundle } from "../../server/core";
import { exoarmurBin } from "../support/bin";
import { forgeAllow } from "../support/forge";

/**
 * `exoarmur verify` over a directory or a JSONL file of bundles: real files, the real bin, real
 * worker threads. Outcomes per bundle, the order they print in, the summary, the exit code (the
 * worst outcome), --jobs, --json, and input meant to hang or crash it.
 */
const KEY_FILE = "docs/examples/example-public-key.txt";
const verify = (...args: string[]) => exoarmurBin(["verify", ...args]);
const pinned = (...args: string[]) => verify(...args, "--public-key", KEY_FILE);

const exampleText = (name: string) => readFileSync(`docs/examples/evidence-${name}.json`, "utf8");
const example = (name: string) => JSON.parse(exampleText(name)) as EvidenceBundle;
const oneLine = (bundle: unknown) => JSON.stringify(bundle);

/** The bundles of every outcome: genuine (three), tampered, re-signed by a stranger, and not a bundle. */
const GOOD = ["allow", "approved", "deny"].map((name) => oneLine(example(name)));
let TAMPERED: string;
let FORGED: string;
const NOT_A_BUNDLE = '{"hello":"world"}';

let root: string;
let count = 0;
/** A fresh directory holding `files` (name → content). */
function directory(files: Record<string, string>): string {
  const dir = join(root, `dir-${count++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}
/** A fresh JSONL file of `lines`. */
function jsonl(lines: string[]): string {
  const file = join(root, `bundles-${count++}.jsonl`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "exoarmur-verify-many-"));
  const tampered = example("deny");
  (tampered.output as { verdict: string }).verdict = "ALLOW";
  TAMPERED = oneLine(tampered);
  FORGED = oneLine(forgeAllow(example("deny")));
});
// Tens of megabytes (the oversized line and file): not left in /tmp.
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("exoarmur verify <directory>", () => {
  it("verifies every *.json file in name order: problems reported, verified counted, exit 1 for a mismatch", () => {
    const dir = directory({
      "a-allow.json": GOOD[0]!,
      "b-approved.json": exampleText("approved"), // 2-space JSON, as exported
      "c-deny.json": GOOD[2]!,
      "d-tampered.json": TAMPERED,
      "e-forged.json": FORGED,
      "f-notes.json": NOT_A_BUNDLE,
      "readme.txt": "not a *.json file: not read",
    });
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "x.json"), NOT_A_BUNDLE); // not recursed into

    const run = pinned(dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `6 bundles in ${dir}: 3 verified, 1 mismatched, 1 untrusted signer, 1 unreadable\n`,
    );
    const tampered = run.stderr.indexOf(`NOT VERIFIED: ${join(dir, "d-tampered.json")}: 3 mismatches`);
    const forged = run.stderr.indexOf(`NOT TRUSTED: ${join(dir, "e-forged.json")}: acme/dec_0003 ALLOW`);
    const notes = run.stderr.indexOf(
      `UNREADABLE: ${join(dir, "f-notes.json")} is not an evidence bundle: it has none of the fields`,
    );
    expect(tampered).toBe(0);
    expect(forged).toBeGreaterThan(tampered);
    expect(notes).toBeGreaterThan(forged);
    expect(run.stderr).toContain("output.verdict: re-evaluating the input gives a different result");
    expect(run.stderr).not.toMatch(/^verified:/m);
    expect(run.stderr).not.toContain("x.json");
  });

  it.each([
    ["all verified", ["a.json"], 0],
    ["verified and an untrusted signer", ["a.json", "forged.json"], 3],
    ["…and an unreadable file", ["a.json", "forged.json", "notes.json"], 2],
    ["…and a mismatch: the worst", ["a.json", "forged.json", "notes.json", "tampered.json"], 1],
  ])("exit code is the worst outcome: %s → exit %s", (_name, names, code) => {
    const content: Record<string, string> = {
      "a.json": GOOD[0]!,
      "forged.json": FORGED,
      "notes.json": NOT_A_BUNDLE,
      "tampered.json": TAMPERED,
    };
    const dir = directory(Object.fromEntries(names.map((name) => [name, content[name]!])));
    const run = pinned(dir);
    expect(run.code).toBe(code);
    if (code === 0) expect(run.stderr).toBe(""); // no progress bar frames when stderr is not a terminal
  });

  it("no key trusted: every genuine bundle is an untrusted signer (exit 3)", () => {
    const dir = directory({ "a.json": GOOD[0]!, "b.json": GOOD[1]! });
    const run = verify(dir);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain("2 bundles in");
    expect(run.stdout).toContain("0 verified, 0 mismatched, 2 untrusted signer, 0 unreadable");
    expect(run.stderr).toContain("integrity OK, signer not trusted: pin its key with --public-key");
  });

  it("an empty directory, or one without *.json files: exit 2 with a clear message", () => {
    for (const dir of [directory({}), directory({ "notes.txt": "hello" })]) {
      const run = pinned(dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`exoarmur verify: ${dir} holds no *.json files to verify\n`);
      const json = pinned(dir, "--json");
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toEqual({
        file: dir,
        ok: false,
        error: `${dir} holds no *.json files to verify`,
      });
    }
  });

  it("a directory that does not exist: exit 2, no such file", () => {
    for (const path of [join(root, "missing"), `${join(root, "missing")}/`]) {
      const run = pinned(path);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^exoarmur verify: cannot read .*missing\/?: no such file\n$/);
    }
  });
});

describe("exoarmur verify <file.jsonl>", () => {
  it("one bundle per line: blank lines skipped, a malformed line is an unreadable bundle naming file:line", () => {
    const file = jsonl([GOOD[0]!, "", '{"broken": ', TAMPERED, "   ", FORGED, GOOD[2]!]);
    const run = pinned(file);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `5 bundles in ${file}: 2 verified, 1 mismatched, 1 untrusted signer, 1 unreadable\n`,
    );
    expect(run.stderr).toMatch(new RegExp(`^UNREADABLE: ${file}:3 is not JSON: `));
    expect(run.stderr).toContain(`NOT VERIFIED: ${file}:4: 3 mismatches`);
    expect(run.stderr).toContain(`NOT TRUSTED: ${file}:6: acme/dec_0003 ALLOW`);
  });

  it("--json: one document, a result per bundle (file, line, outcome, mismatches) and the summary", () => {
    const file = jsonl([GOOD[0]!, "", "[1, 2]", TAMPERED, FORGED]);
    const run = pinned(file, "--json");
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    const doc = JSON.parse(run.stdout);
    expect(Object.keys(doc)).toEqual(["source", "results", "summary"]);
    expect(doc.source).toBe(file);
    expect(doc.results.map((r: { line: number; outcome: string }) => [r.line, r.outcome])).toEqual([
      [1, "verified"],
      [3, "unreadable"],
      [4, "mismatch"],
      [5, "untrusted"],
    ]);
    const [verified, unreadable, mismatch, untrusted] = doc.results;
    expect(verified).toMatchObject({ file, line: 1, ok: true, trusted: true, mismatches: [] });
    expect(verified.summary).toMatchObject({ decisionId: "dec_0001", verdict: "ALLOW", trusted: true });
    expect(unreadable).toEqual({
      file,
      line: 3,
      ok: false,
      error: `${file}:3 is not an evidence bundle: expected a JSON object, found an array`,
      outcome: "unreadable",
    });
    expect(mismatch.ok).toBe(false);
    expect(mismatch.mismatches.map((m: { path: string }) => m.path)).toContain("output.verdict");
    expect(untrusted).toMatchObject({
      ok: false,
      trusted: false,
      message: "integrity OK, signer not trusted: pin its key with --public-key",
      mismatches: [],
    });
    expect(doc.summary).toEqual({
      bundles: 4,
      verified: 1,
      mismatch: 1,
      untrusted: 1,
      unreadable: 1,
      worst: "mismatch",
      exitCode: 1,
    });
  });

  it("a directory's --json results carry the file and no line", () => {
    const dir = directory({ "a.json": GOOD[0]! });
    const doc = JSON.parse(pinned(dir, "--json").stdout);
    expect(doc.results).toHaveLength(1);
    expect(doc.results[0]).toMatchObject({ file: join(dir, "a.json"), outcome: "verified" });
    expect(doc.results[0]).not.toHaveProperty("line");
    expect(doc.summary).toMatchObject({ bundles: 1, verified: 1, worst: "verified", exitCode: 0 });
  });

  it("an empty or blank-only file, and a missing one: exit 2", () => {
    for (const file of [jsonl([]), jsonl(["", "  ", ""])]) {
      const run = pinned(file);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `exoarmur verify: ${file} holds no evidence bundles: it is empty or every line is blank\n`,
      );
    }
    const missing = pinned(join(root, "nope.jsonl"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^exoarmur verify: cannot read .*nope\.jsonl: no such file\n$/);
  });
});

describe("--jobs", () => {
  /** Enough bundles for several chunks on each thread, problems scattered among them. */
  const manyLines = () =>
    Array.from({ length: 300 }, (_, i) =>
      i % 37 === 5 ? TAMPERED : i % 41 === 7 ? "{oops" : i % 53 === 9 ? "" : GOOD[i % 3]!,
    );

  it("1 and 2 threads give the same output, in line order, for a JSONL file and a directory", () => {
    const file = jsonl(manyLines());
    const dir = directory(
      Object.fromEntries(manyLines().map((line, i) => [`b${String(i).padStart(3, "0")}.json`, line])),
    );
    for (const source of [file, dir]) {
      for (const json of [[], ["--json"]]) {
        const one = pinned(source, "--jobs", "1", ...json);
        const two = pinned(source, "--jobs", "2", ...json);
        expect(two).toEqual(one);
        expect(one.code).toBe(1);
      }
    }
    const doc = JSON.parse(pinned(file, "--jobs", "2", "--json").stdout);
    const lines = doc.results.map((r: { line: number }) => r.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(doc.summary).toMatchObject({ bundles: 294, verified: 278, mismatch: 8, unreadable: 8 });
  });

  it("the TypeScript sources (no build, through tsx) give what the compiled CLI gives", () => {
    const file = jsonl(manyLines());
    const compiled = pinned(file, "--jobs", "2", "--json");
    const fromSource = exoarmurBin(["verify", file, "--jobs", "2", "--json", "--public-key", KEY_FILE], {
      EXOARMUR_CLI_FROM_SOURCE: "1",
    });
    expect(fromSource).toEqual(compiled);
  });

  it.each(["0", "x", "1.5", "-1", "257", ""])("--jobs %j is refused naming the option (exit 2)", (value) => {
    const run = pinned(jsonl([GOOD[0]!]), "--jobs", value);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--jobs");
    expect(run.stdout).toBe("");
  });

  it("a single bundle file takes --jobs and answers as it always did", () => {
    const path = "docs/examples/evidence-allow.json";
    expect(pinned(path, "--jobs", "2")).toEqual(pinned(path));
  });
});

describe("hostile input neither hangs nor crashes", () => {
  it("a line over 16 MiB is an unreadable bundle; the lines around it are verified", () => {
    const file = jsonl([GOOD[0]!, `{"schema":"${"x".repeat(17 * 1024 * 1024)}"}`, GOOD[1]!]);
    const run = pinned(file);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`UNREADABLE: ${file}:2 is larger than 16 MiB: not read as an evidence bundle\n`);
    expect(run.stdout).toContain("3 bundles in");
    expect(run.stdout).toContain("2 verified, 0 mismatched, 0 untrusted signer, 1 unreadable");
  });

  it("deeply nested JSON is a mismatch, shown cut, in a batch and as a single file", () => {
    const arrays = `{"schema":"exoarmur.evidence.v1","input":${"[".repeat(500_000)}${"]".repeat(500_000)}}`;
    const objects = `{"schema":"exoarmur.evidence.v1","input":{"intent":{"parameters":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}}}`;
    const file = jsonl([arrays, objects, GOOD[0]!]);
    for (const json of [[], ["--json"]]) {
      const run = pinned(file, ...json);
      expect(run.code).toBe(1);
      expect(run.stderr).not.toMatch(/RangeError|at .*\.m?[jt]s:\d+/);
    }
    const doc = JSON.parse(pinned(file, "--json").stdout);
    expect(doc.summary).toMatchObject({ bundles: 3, mismatch: 2, verified: 1 });
    const single = directory({ "deep.json": arrays });
    for (const json of [[], ["--json"]]) {
      const run = pinned(join(single, "deep.json"), ...json);
      expect(run.code).toBe(1);
      expect(`${run.stdout}${run.stderr}`).toContain("(nested too deep to show)");
    }
  });

  it("symlink loops, a FIFO, a directory named *.json and an oversized file in the directory", () => {
    const dir = directory({ "a.json": GOOD[0]! });
    symlinkSync("loop.json", join(dir, "loop.json"));
    symlinkSync(".", join(dir, "self"));
    symlinkSync(".", join(dir, "dir.json"));
    execFileSync("mkfifo", [join(dir, "fifo.json")]);
    writeFileSync(join(dir, "huge.json"), Buffer.alloc(16 * 1024 * 1024 + 1, 0x20));
    const run = pinned(dir);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe(
      `5 bundles in ${dir}: 1 verified, 0 mismatched, 0 untrusted signer, 4 unreadable\n`,
    );
    expect(run.stderr.split("\n")).toEqual([
      `UNREADABLE: cannot read ${join(dir, "dir.json")}: not a regular file`,
      `UNREADABLE: cannot read ${join(dir, "fifo.json")}: not a regular file`,
      `UNREADABLE: ${join(dir, "huge.json")} is larger than 16 MiB: not read as an evidence bundle`,
      expect.stringMatching(/^UNREADABLE: cannot read .*loop\.json: ELOOP/),
      "",
    ]);
  });
});
