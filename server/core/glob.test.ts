import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileGlob, globMatch, globProblem } from "./glob";

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

  it("the reference matcher agrees with an independent regular-expression reading", () => {
    const toRegExp = (p: string) =>
      new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\-]/g, "\\$&")
          .replace(/\*/g, ".*")
          .replace(/\?/g, ".")}$`,
        "s",
      );
    fc.assert(
      fc.property(
        fc
          .array(fc.constantFrom("a", "b", ".", "*", "?"), { minLength: 1, maxLength: 8 })
          .map((cs) => cs.join(""))
          .filter((p) => globProblem(p) === null),
        fc.array(fc.constantFrom("a", "b", "."), { maxLength: 10 }).map((cs) => cs.join("")),
        (pattern, text) => {
          expect(globMatch(pattern, text)).toBe(toRegExp(pattern).test(text));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
