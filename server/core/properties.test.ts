import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decisionInputArb, permuteKeys, policyArb } from "../../tests/support/arbitraries";
import { scenarioBundleArb } from "../../tests/support/bundles";
import { nodeCrypto } from "../crypto/node";
import { type CanonicalMemo, canonicalJson } from "./canonical";
import { compilePolicy, decide, decideCompiled } from "./decide";
import { decisionHashes, decisionOutputSchema, hashJson } from "./evidence";
import { formatPath, isPathPrefix, type PathSegment } from "./paths";
import { decisionInputSchema, type Policy } from "./schemas";
import { verifyBundle } from "./verify";

const RUNS = { numRuns: 400 };

describe("decide: properties", () => {
  it("generated inputs are valid and outputs are well-formed", () => {
    fc.assert(
      fc.property(decisionInputArb, (input) => {
        expect(decisionInputSchema.safeParse(input).success).toBe(true);
        expect(decisionOutputSchema.safeParse(decide(input)).success).toBe(true);
      }),
      RUNS,
    );
  });

  it("decision hashes made with the policy's hash and canonical text known beforehand (one memo across many decisions) are the hashes made from scratch", () => {
    const versions = new Map<string, { document: Policy; memo: CanonicalMemo; policyHash: string }>();
    fc.assert(
      fc.property(decisionInputArb, (input) => {
        // One memo per policy, made from one document object that every decision under it reuses,
        // as the server keeps one per loaded version.
        const key = canonicalJson(input.policy);
        let version = versions.get(key);
        if (!version) {
          const memo: CanonicalMemo = new WeakMap();
          const policyHash = nodeCrypto.sha256Hex(canonicalJson(input.policy, memo));
          version = { document: input.policy, memo, policyHash };
          versions.set(key, version);
        }
        const shared = { ...input, policy: version.document };
        const known = { memo: version.memo, policyHash: version.policyHash };
        const output = decide(shared);
        expect(decisionHashes(nodeCrypto, shared, output, known)).toEqual(
          decisionHashes(nodeCrypto, input, output),
        );
      }),
      RUNS,
    );
  });

  it("(1) determinism: twice, after a JSON round trip, and with object keys permuted → byte-identical output and hashes", () => {
    fc.assert(
      fc.property(decisionInputArb, fc.integer(), (input, seed) => {
        const reference = canonicalJson(decide(input));
        const permuted = permuteKeys(input, seed);
        expect(canonicalJson(decide(input))).toBe(reference);
        expect(canonicalJson(decide(JSON.parse(JSON.stringify(input))))).toBe(reference);
        expect(canonicalJson(decide(permuted))).toBe(reference);
        expect(hashJson(nodeCrypto, permuted)).toBe(hashJson(nodeCrypto, input));
        expect(hashJson(nodeCrypto, decide(permuted))).toBe(hashJson(nodeCrypto, decide(input)));
      }),
      RUNS,
    );
  });

  it("(2) deny dominance: adding a deny rule that matches the intent never yields ALLOW", () => {
    fc.assert(
      fc.property(decisionInputArb, fc.nat(), (input, where) => {
        const rules = [...input.policy.rules];
        rules.splice(where % (rules.length + 1), 0, {
          id: "injected-deny",
          match: { actions: [input.intent.action] },
          effect: "deny",
        });
        const output = decide({ ...input, policy: { rules } });
        expect(output.verdict).not.toBe("ALLOW");
        expect(output.verdict).not.toBe("REQUIRE_APPROVAL");
        expect(output.matchedRules.map((r) => r.id)).toContain("injected-deny");
      }),
      RUNS,
    );
  });

  it("(3) kill-switch dominance: an applicable engaged switch always yields DENY", () => {
    const switchFor = (
      scope: "global" | "tenant" | "action",
      input: { intent: { tenantId: string; action: string } },
    ) =>
      scope === "global"
        ? { id: "ks-x", scope, engaged: true, reason: "stop" }
        : scope === "tenant"
          ? { id: "ks-x", scope, tenantId: input.intent.tenantId, engaged: true, reason: "stop" }
          : {
              id: "ks-x",
              scope,
              tenantId: input.intent.tenantId,
              action: `${input.intent.action.split(".")[0]}.*`,
              engaged: true,
              reason: "stop",
            };
    fc.assert(
      fc.property(
        decisionInputArb,
        fc.constantFrom("global" as const, "tenant" as const, "action" as const),
        (input, scope) => {
          const output = decide({ ...input, killSwitches: [...input.killSwitches, switchFor(scope, input)] });
          expect(output.verdict).toBe("DENY");
          expect(output.reason).toMatch(
            /^(KILL_SWITCH_(GLOBAL|TENANT|ACTION)|TENANT_UNKNOWN|TENANT_SUSPENDED)$/,
          );
          if (output.reason.startsWith("KILL_SWITCH")) expect(output.killSwitch).not.toBeNull();
        },
      ),
      RUNS,
    );
  });

  it("(5) a compiled policy decides exactly as the raw document", () => {
    fc.assert(
      fc.property(decisionInputArb, (input) => {
        expect(decideCompiled(compilePolicy(input.policy), input)).toStrictEqual(decide(input));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("decide: compiled policies reused across many inputs (memoized per action)", () => {
  it("one compiled policy decides every input exactly as the raw document", () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.array(decisionInputArb, { minLength: 1, maxLength: 30 }),
        (policy, inputs) => {
          const compiled = compilePolicy(policy);
          for (const input of [...inputs, ...inputs]) {
            const same = { ...input, policy };
            expect(decideCompiled(compiled, same)).toStrictEqual(decide(same));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("decide: adversarial globs", () => {
  /** Globs of a/b/`?`/`*` runs (long `?` runs, `?` inside pieces, many stars), valid and ≤ 256 chars. */
  const globArb = fc
    .array(
      fc.oneof(
        fc.constantFrom("a", "b", "?", "*", "a?", "ab"),
        fc.integer({ min: 1, max: 40 }).map((n) => "?".repeat(n)),
        fc.integer({ min: 1, max: 20 }).map((n) => "a?".repeat(n)),
        fc.integer({ min: 1, max: 40 }).map((n) => "a".repeat(n)),
      ),
      { minLength: 1, maxLength: 8 },
    )
    .map((runs) =>
      runs
        .join("")
        .replace(/\*{2,}/g, "*")
        .slice(0, 256),
    );
  const textArb = fc
    .array(
      fc.oneof(
        fc.constantFrom("a", "b"),
        fc.integer({ min: 1, max: 120 }).map((n) => "a".repeat(n)),
      ),
      {
        minLength: 1,
        maxLength: 6,
      },
    )
    .map((runs) => runs.join("").slice(0, 256));
  /** Whether `text` matches `glob`, read as a RegExp-free dynamic program (independent of glob.ts). */
  const matches = (glob: string, text: string) => {
    let row = Array.from({ length: text.length + 1 }, (_, j) => j === 0);
    for (const p of glob) {
      const next = new Array<boolean>(text.length + 1).fill(false);
      for (let j = 0; j <= text.length; j++)
        next[j] =
          p === "*"
            ? row[j]! || (j > 0 && next[j - 1]!)
            : j > 0 && row[j - 1]! && (p === "?" || p === text[j - 1]);
      row = next;
    }
    return row[text.length]!;
  };

  it("compiled and reference paths match exactly the rules whose globs match, on long targets", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(globArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        textArb,
        decisionInputArb,
        (lists, target, base) => {
          const policy = {
            rules: lists.map((targets, i) => ({ id: `g${i}`, match: { targets }, effect: "deny" as const })),
          };
          const input = { ...base, intent: { ...base.intent, target }, policy };
          const reference = decide(input);
          expect(decideCompiled(compilePolicy(policy), input)).toStrictEqual(reference);
          const expected = lists.flatMap((targets, i) =>
            targets.some((glob) => matches(glob, target)) ? [`g${i}`] : [],
          );
          expect(reference.matchedRules.map((rule) => rule.id)).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("evidence: properties", () => {
  it("every generated bundle verifies", () => {
    fc.assert(
      fc.property(scenarioBundleArb, ({ bundle }) => {
        const report = verifyBundle(JSON.parse(JSON.stringify(bundle)), { crypto: nodeCrypto });
        expect(report.mismatches).toEqual([]);
        expect(report.ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("(4) tamper evidence: changing any single leaf fails verification and names that path (or the hashed section holding it)", () => {
    fc.assert(
      fc.property(scenarioBundleArb, fc.nat(), ({ bundle }, pick) => {
        const copy = JSON.parse(JSON.stringify(bundle));
        const leaves = leafPaths(copy);
        const leaf = leaves[pick % leaves.length]!;
        mutateLeaf(copy, leaf.segments);
        const report = verifyBundle(copy, { crypto: nodeCrypto });
        expect(report.ok).toBe(false);
        const named = report.mismatches.filter((m) => m.path !== "" && isPathPrefix(m.path, leaf.path));
        expect(
          named,
          `tampered ${leaf.path}; got ${report.mismatches.map((m) => m.path).join(", ")}`,
        ).not.toEqual([]);
      }),
      { numRuns: 600 },
    );
  });
});

function leafPaths(
  value: unknown,
  segments: PathSegment[] = [],
): { path: string; segments: PathSegment[] }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, [...segments, i]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...segments, k]));
  }
  return [{ path: formatPath(segments), segments }];
}

function mutateLeaf(root: unknown, segments: PathSegment[]): void {
  const parent = segments
    .slice(0, -1)
    .reduce<Record<PathSegment, unknown>>(
      (node, s) => node[s] as Record<PathSegment, unknown>,
      root as Record<PathSegment, unknown>,
    );
  const key = segments.at(-1)!;
  const old = parent[key];
  parent[key] =
    typeof old === "string"
      ? `${old}x`
      : typeof old === "number"
        ? old + 1
        : typeof old === "boolean"
          ? !old
          : "x";
}
