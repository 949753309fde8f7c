import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlob, globCost, globMatch, globProblem } from "./glob";

/**
 * An independent reading for long inputs: the textbook dynamic program over (pattern prefix, text
 * prefix), in UTF-16 code units like the matcher (a RegExp with `.*` would backtrack on these).
 */
function tableMatch(pattern: string, text: string): boolean {
  let row = Array.from({ length: text.length + 1 }, (_, j) => j === 0);
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern.charAt(i);
    const next = new Array<boolean>(text.length + 1).fill(false);
    if (p === "*") {
      for (let j = 0; j <= text.length; j++) next[j] = row[j]! || (j > 0 && next[j - 1]!);
    } else {
      for (let j = 1; j <= text.length; j++) next[j] = row[j - 1]! && (p === "?" || p === text.charAt(j - 1));
    }
    row = next;
  }
  return row[text.length]!;
}

const toRegExp = (p: string) =>
  new RegExp(
    `^${p
      .replace(/[.+^${}()|[\]\\-]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "s",
  );

const cases: [string, string, boolean][] = [
  ["host.*", "host.isolate", true],
  ["host.*", "host.isolate.hard", true],
  ["host.*", "host", false],
  ["host.*", "hostile.isolate", false],
  ["*.delete", "user.delete", true],
  ["*.delete", "user.delete.soft", false],
  ["*", "", true],
  ["*", "anything.at.all", true],
  ["web-?", "web-7", true],
  ["web-?", "web-12", false],
  ["db-??", "db-12", true],
  ["a*b*c", "aXXbYYc", true],
  ["a*b*c", "aXXcYYb", false],
  ["*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false],
  ["exact", "exact", true],
  ["exact", "exactly", false],
  ["h?st.*e", "host.isolate", true],
  ["user:*", "user:alice", true],
  ["*", "*a", true],
  ["a*", "a*b", true],
  ["?", "*", true],
];

describe("globs", () => {
  it.each(cases)("%s ~ %s → %s (reference and compiled agree)", (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
    expect(compileGlob(pattern)(text)).toBe(expected);
  });

  it.each([
    ["", /empty/],
    ["host.**", /\*\*/],
    ["host.[ab]", /reserved/],
    ["{a,b}", /reserved/],
    ["a\\b", /reserved/],
    ["x".repeat(257), /longer than 256/],
    ["tab\there", /control/],
  ])("rejects %j", (pattern, message) => {
    expect(globProblem(pattern)).toMatch(message);
  });

  it("accepts ordinary globs", () => {
    for (const pattern of ["host.*", "*", "web-?", "arn:aws:ec2:*:instance/i-*"])
      expect(globProblem(pattern)).toBeNull();
  });

  it("compiled matching equals the reference matcher for any pattern and text", () => {
    const alphabet = fc.constantFrom("a", "b", ".", "-", "*", "?");
    const textAlphabet = fc.constantFrom("a", "b", ".", "-", "*", "?", "c");
    fc.assert(
      fc.property(
        fc
          .array(alphabet, { minLength: 1, maxLength: 10 })
          .map((cs) => cs.join(""))
          .filter((p) => globProblem(p) === null),
        fc.array(textAlphabet, { maxLength: 14 }).map((cs) => cs.join("")),
        (pattern, text) => {
          expect(compileGlob(pattern)(text)).toBe(globMatch(pattern, text));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("both matchers agree with an independent regular-expression reading", () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.constantFrom("a", "b", ".", "*", "?"), { minLength: 1, maxLength: 8 })
          .map((cs) => cs.join(""))
          .filter((p) => globProblem(p) === null),
        fc.array(fc.constantFrom("a", "b", "."), { maxLength: 10 }).map((cs) => cs.join("")),
        (pattern, text) => {
          const expected = toRegExp(pattern).test(text);
          expect(globMatch(pattern, text)).toBe(expected);
          expect(compileGlob(pattern)(text)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  // Patterns built from runs that stress each part of the plan: `?` runs beside stars (gaps), `?`
  // inside pieces (Shift-And), pieces longer than 32 characters (several words; `indexOf` for
  // literal ones), many stars, and characters beyond ASCII and beyond the BMP (`?` is one UTF-16
  // code unit, as before).
  const run = fc.oneof(
    fc.constantFrom("a", "b", "?", "*", "é", "😀", "a?", "?a", "ab", "??"),
    fc.integer({ min: 1, max: 40 }).map((n) => "a".repeat(n)),
    fc.integer({ min: 1, max: 40 }).map((n) => "?".repeat(n)),
    fc.integer({ min: 1, max: 24 }).map((n) => "a?".repeat(n)),
  );
  const longPattern = fc
    .array(run, { minLength: 1, maxLength: 12 })
    .map((runs) =>
      runs
        .join("")
        .replace(/\*{2,}/g, "*")
        .slice(0, 256),
    )
    .filter((p) => globProblem(p) === null);
  const textRun = fc.oneof(
    fc.constantFrom("a", "b", "é", "😀", "ab"),
    fc.integer({ min: 1, max: 80 }).map((n) => "a".repeat(n)),
  );
  const longText = fc.array(textRun, { maxLength: 10 }).map((runs) => runs.join("").slice(0, 256));

  it("both matchers agree with a dynamic-programming reading on long, adversarial patterns and texts", () => {
    fc.assert(
      fc.property(longPattern, longText, (pattern, text) => {
        const expected = tableMatch(pattern, text);
        expect(globMatch(pattern, text)).toBe(expected);
        expect(compileGlob(pattern)(text)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("a text built to match does match, wherever the pieces fall (word boundaries of Shift-And included)", () => {
    // Fill each `?` and star of the pattern with text, so the answer is known to be true.
    fc.assert(
      fc.property(
        longPattern,
        fc.array(fc.constantFrom("", "a", "b", "ba", "aab"), { minLength: 64, maxLength: 64 }),
        (pattern, fills) => {
          let k = 0;
          const text = [...pattern].map((c) => (c === "*" ? fills[k++ % 64]! : c === "?" ? "b" : c)).join("");
          expect(tableMatch(pattern, text)).toBe(true);
          expect(globMatch(pattern, text)).toBe(true);
          expect(compileGlob(pattern)(text)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  const a256 = "a".repeat(256);
  it.each([
    // The pattern: `?`s beside a star are only a minimum length.
    [`*${"?".repeat(200)}Z*`, a256, false],
    [`*${"?".repeat(200)}Z*`, `${"a".repeat(200)}Z${"a".repeat(55)}`, true],
    [`*${"?".repeat(200)}Z*`, `${"a".repeat(199)}Z${"a".repeat(56)}`, false],
    [`*${"?".repeat(254)}*`, "a".repeat(254), true],
    [`*${"?".repeat(254)}*`, "a".repeat(253), false],
    // `?` inside a piece: 1, 2 and 8 words of Shift-And, failing only at the last character.
    [`*${"a?".repeat(15)}b*`, a256, false],
    [`*${"a?".repeat(15)}b*`, `${"a".repeat(200)}b`, true],
    [`*${"a?".repeat(31)}b*`, `${"a".repeat(255)}b`, true],
    [`*${"a?".repeat(126)}b*`, a256, false],
    [`*${"a?".repeat(126)}b*`, `${"a".repeat(252)}b`, true],
    [`*${"a?".repeat(126)}b*`, `${"a".repeat(251)}b`, false],
    // Literal pieces: short (Shift-And), exactly 32 and 33 characters (indexOf), at the very end.
    ["*ab*", a256, false],
    [`*${"a".repeat(31)}b*`, `${"a".repeat(255)}b`, true],
    [`*${"a".repeat(32)}b*`, `${"a".repeat(255)}b`, true],
    [`*b${"a".repeat(32)}*`, `b${"a".repeat(31)}`, false],
    // Many stars: the greedy earliest placement, then a piece that is not there.
    [`${"*a".repeat(126)}*b*`, a256, false],
    [`${"*a".repeat(126)}*b*`, `${"a".repeat(126)}b`, true],
    [`${"*a".repeat(126)}*b*`, `${"a".repeat(125)}b`, false],
    // Pieces must not overlap the anchored ends.
    ["ab*ba", "aba", false],
    ["ab*ba", "abba", true],
    ["a*?b?*a", "a?b?a", true],
    ["a*?b?*a", "abba", false],
    // Beyond ASCII: `?` is one UTF-16 code unit.
    ["*é?*", "xéy", true],
    ["?", "😀", false],
    ["??", "😀", true],
    ["*😀*", "a😀b", true],
    [`*?${"é".repeat(40)}?*`, `x${"é".repeat(40)}y`, true],
  ])("adversarial %#: %s", (pattern, text, expected) => {
    expect(tableMatch(pattern, text)).toBe(expected);
    expect(globMatch(pattern, text)).toBe(expected);
    expect(compileGlob(pattern)(text)).toBe(expected);
  });

  it("globCost counts a scan of the text only for globs with pieces between stars", () => {
    expect(globCost("host.isolate", 256)).toBeLessThan(20);
    expect(globCost("host.*", 256)).toBeLessThan(30);
    expect(globCost("*.delete", 256)).toBeLessThan(30);
    // One character to find (a memchr); the 200 `?`s are a minimum length in the plan.
    expect(globCost(`*${"?".repeat(200)}Z*`, 256)).toBeLessThan(100);
    expect(globCost("*foo*", 256)).toBeGreaterThanOrEqual(256);
    expect(globCost(`*${"a?".repeat(126)}b*`, 256)).toBeGreaterThanOrEqual(256 * 8);
  });
});
