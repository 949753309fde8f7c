import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { nodeCrypto } from "../crypto/node";
import { canonicalJson } from "./canonical";
import { nobleCrypto } from "./crypto";

interface Vectors {
  documents: { name: string; input: string; canonical: string; sha256: string }[];
  numbers: [string, string][];
}

const vectors: Vectors = JSON.parse(
  readFileSync(new URL("./__fixtures__/jcs-vectors.json", import.meta.url), "utf8"),
);

/** The IEEE 754 double whose big-endian bit pattern is `hex` (16 hex digits). */
function doubleFromHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe("canonicalJson (RFC 8785 vectors)", () => {
  it("has vectors to check", () => {
    expect(vectors.documents.length).toBeGreaterThanOrEqual(5);
    expect(vectors.numbers.length).toBeGreaterThanOrEqual(20);
  });

  describe.each(vectors.documents)("document $name", ({ input, canonical, sha256 }) => {
    it("canonicalizes to the expected text", () => {
      expect(canonicalJson(JSON.parse(input))).toBe(canonical);
    });

    it("hashes to the expected sha256 with the noble provider", () => {
      expect(nobleCrypto.sha256Hex(canonical)).toBe(sha256);
    });

    it("hashes to the same sha256 with the node provider", () => {
      expect(nodeCrypto.sha256Hex(canonical)).toBe(sha256);
    });
  });

  it.each(vectors.numbers)("serializes the double 0x%s as %s", (hex, expected) => {
    expect(canonicalJson(doubleFromHex(hex))).toBe(expected);
  });

  it("builds doubles from hex correctly (sanity check of the helper)", () => {
    expect(doubleFromHex("3ff0000000000000")).toBe(1);
    expect(Object.is(doubleFromHex("8000000000000000"), -0)).toBe(true);
  });
});

describe("canonicalJson refuses what JCS cannot encode", () => {
  it.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["a lone high surrogate", "\ud800"],
    ["a lone low surrogate", "x\udc00y"],
    ["NaN nested in an object", { a: [1, Number.NaN] }],
    ["a lone surrogate as a key", { "\ud800": 1 }],
  ])("throws on %s", (_name, value) => {
    expect(() => canonicalJson(value)).toThrow();
  });

  it("accepts a correctly paired surrogate (an emoji) and leaves it unescaped", () => {
    expect(canonicalJson("\ud83d\ude00")).toBe('"😀"');
  });
});

describe("canonicalJson key order", () => {
  it("sorts keys by UTF-16 code units, not by code points", () => {
    // U+1F600 is the pair D83D DE00, which sorts before U+FB33 by code unit although its code
    // point is larger; a code-point sort would put the Hebrew letter first.
    expect(canonicalJson({ "\ufb33": 1, "\ud83d\ude00": 2 })).toBe('{"\ud83d\ude00":2,"\ufb33":1}');
  });

  it("sorts uppercase before lowercase and shorter prefixes first, recursively", () => {
    expect(canonicalJson({ b: 1, a: { y: 1, x: 2 }, A: 3, aa: 4 })).toBe(
      '{"A":3,"a":{"x":2,"y":1},"aa":4,"b":1}',
    );
  });

  it("does not depend on insertion order", () => {
    expect(canonicalJson({ z: 1, a: 2 })).toBe(canonicalJson({ a: 2, z: 1 }));
  });
});

describe("canonicalJson against the `canonicalize` package (the oracle)", () => {
  it("gives identical text for any JSON value, with and without a memo, and the memo is reused", async () => {
    const fc = (await import("fast-check")).default;
    const { default: canonicalize } = await import("canonicalize");
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const expected = canonicalize(value);
        expect(canonicalJson(value)).toBe(expected);
        const memo = new WeakMap<object, string>();
        expect(canonicalJson(value, memo)).toBe(expected);
        expect(canonicalJson(value, memo)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
    const shared = { b: [1, { c: "ü" }], a: null };
    const memo = new WeakMap<object, string>();
    canonicalJson({ x: shared }, memo);
    expect(memo.get(shared)).toBe('{"a":null,"b":[1,{"c":"ü"}]}');
  });
});
