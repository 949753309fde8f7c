import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { nodeCrypto } from "../crypto/node";
import { nobleCrypto } from "./crypto";
import type { EvidenceBundle } from "./evidence";
import { verifyBundle } from "./verify";
import { ENGINE_VERSION } from "./version";

// The documentation's bundles, made by the real services (scripts/make-examples.ts).
type Bundles = Record<"allow" | "approved" | "deny", EvidenceBundle>;
let bundles: Bundles;
let publicKey: string;
const fresh = (name: keyof Bundles): EvidenceBundle => JSON.parse(JSON.stringify(bundles[name]));
const paths = (bundle: unknown, options = {}) =>
  verifyBundle(bundle, { crypto: nodeCrypto, ...options }).mismatches.map((m) => m.path);

beforeAll(() => {
  const example = (name: string) =>
    readFileSync(new URL(`../../docs/examples/${name}`, import.meta.url), "utf8");
  publicKey = example("example-public-key.txt").trim();
  bundles = {
    allow: JSON.parse(example("evidence-allow.json")),
    approved: JSON.parse(example("evidence-approved.json")),
    deny: JSON.parse(example("evidence-deny.json")),
  };
});

describe("verifyBundle on genuine bundles", () => {
  it.each(["allow", "approved", "deny"] as const)(
    "%s verifies with node:crypto and with the browser's noble provider",
    (name) => {
      for (const crypto of [nodeCrypto, nobleCrypto]) {
        const report = verifyBundle(fresh(name), { crypto, publicKey });
        expect(report.mismatches).toEqual([]);
        expect(report.ok).toBe(true);
        expect(report.summary.trusted).toBe(true);
      }
    },
  );

  it("summarises the verdict", () => {
    expect(verifyBundle(fresh("approved"), { crypto: nodeCrypto }).summary).toMatchObject({
      tenantId: "acme",
      decisionId: "dec_0002",
      verdict: "REQUIRE_APPROVAL",
      reason: "POLICY_REQUIRE_APPROVAL",
      decidingRule: "approve-hard",
      events: 9,
      trusted: false,
    });
  });

  it("is untrusted under another pinned key", () => {
    const report = verifyBundle(fresh("allow"), { crypto: nodeCrypto, publicKey: "ab".repeat(32) });
    expect(report.ok).toBe(false);
    expect(report.mismatches.map((m) => m.path)).toEqual(["signature.publicKey", "signature.value"]);
    expect(report.summary.trusted).toBe(false);
  });
});

describe("verifyBundle names what was changed", () => {
  it("a changed verdict: re-evaluation differs at output.verdict", () => {
    const b = fresh("deny");
    b.output.verdict = "ALLOW";
    const report = verifyBundle(b, { crypto: nodeCrypto });
    expect(report.mismatches).toContainEqual(
      expect.objectContaining({ path: "output.verdict", expected: "DENY", actual: "ALLOW" }),
    );
    expect(report.mismatches.map((m) => m.path)).toEqual(["output", "output.verdict", "signature.value"]);
  });

  it("a changed target: the input no longer hashes to what the chain recorded", () => {
    const b = fresh("allow");
    b.input.intent.target = "web-8";
    expect(paths(b)).toEqual(["input.intent", "input", "signature.value"]);
  });

  it("a changed hash field is told apart from changed content", () => {
    const b = fresh("allow");
    b.inputHash = "0".repeat(64);
    expect(paths(b)).toEqual(["inputHash", "signature.value"]);
  });

  it("a rewritten chain event breaks its own hash and the next link", () => {
    const b = fresh("approved");
    (b.events[1]!.payload as Record<string, unknown>).expiresAt = "2027-01-01T00:00:00Z";
    const got = paths(b);
    expect(got).toContain("events[1]");
    expect(got).toContain("approval.expiresAt");
  });

  it("a vote dropped from the approval: it disagrees with the chain, and the outcome no longer follows", () => {
    const b = fresh("approved");
    b.approval!.votes.splice(0, 1);
    const got = paths(b);
    expect(got).toContain("approval.votes");
    expect(got).toContain("approval.status");
  });

  it("two consecutive events out of order break the link", () => {
    const b = fresh("approved");
    b.events[3]!.prevHash = b.events[1]!.hash;
    expect(paths(b)).toEqual(expect.arrayContaining(["events[3]", "events[3].prevHash"]));
  });

  it("a self-approval is refused on replay", () => {
    const b = fresh("approved");
    b.approval!.votes[0]!.principal.id = "soar-1";
    const report = verifyBundle(b, { crypto: nodeCrypto });
    expect(report.mismatches).toContainEqual(
      expect.objectContaining({ path: "approval.votes[0]", actual: "SELF_APPROVAL" }),
    );
  });

  it("an execution attached to a denied intent is flagged", () => {
    const b = fresh("deny");
    b.events.push({ ...bundles.allow.events[1]!, tenantId: "acme" });
    expect(paths(b)).toContain("events[1]");
  });

  it("a bundle from another engine version is not reproduced silently", () => {
    const b = fresh("allow");
    b.engineVersion = "exoarmur-core/0.9.0";
    const report = verifyBundle(b, { crypto: nodeCrypto });
    expect(report.mismatches).toContainEqual(
      expect.objectContaining({ path: "engineVersion", expected: ENGINE_VERSION }),
    );
  });

  it("a replaced public key does not verify under its own key id", () => {
    const b = fresh("allow");
    b.signature.publicKey = "cd".repeat(32);
    expect(paths(b)).toEqual(["signature", "signature.value"]);
  });

  it("an unknown field is reported where it is", () => {
    const b = fresh("allow") as unknown as Record<string, Record<string, unknown>>;
    b.output!.note = "trust me";
    expect(paths(b)).toContain("output.note");
  });
});

describe("verifyBundle on hostile input never throws", () => {
  it.each([
    ["null", null],
    ["a string", "bundle"],
    ["an array", [1, 2]],
    ["an empty object", {}],
    ["wrong types everywhere", { schema: 1, input: "x", output: [], events: {}, signature: 5, approval: 7 }],
    [
      "a prototype-polluting key",
      JSON.parse('{"__proto__": {"ok": true}, "schema": "exoarmur.evidence.v1"}'),
    ],
  ])("%s → ok:false with mismatches", (_name, value) => {
    const report = verifyBundle(value, { crypto: nodeCrypto });
    expect(report.ok).toBe(false);
    expect(report.mismatches.length).toBeGreaterThan(0);
  });

  it("deeply nested parameters are reported, not crashed on", () => {
    const b = fresh("allow") as unknown as { input: { intent: { parameters: Record<string, unknown> } } };
    let deep: unknown = "bottom";
    for (let i = 0; i < 5000; i++) deep = [deep];
    b.input.intent.parameters = { deep };
    const report = verifyBundle(b, { crypto: nodeCrypto });
    expect(report.ok).toBe(false);
    expect(report.mismatches.some((m) => m.path.startsWith("input.intent.parameters"))).toBe(true);
  });
});
