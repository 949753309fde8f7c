import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addSeconds, compareInstants, parseInstant, timestampProblem } from "./time";

describe("parseInstant", () => {
  it.each([
    ["1970-01-01T00:00:00Z", 0, 0],
    ["1970-01-02T00:00:01Z", 86401, 0],
    ["2000-01-01T00:00:00Z", 946684800, 0],
    ["2026-11-26T09:00:00Z", 1795683600, 0],
    ["2000-02-29T12:00:00Z", 951825600, 0],
    ["2024-02-29T23:59:59Z", 1709251199, 0],
    ["2024-03-01T00:00:00Z", 1709251200, 0],
    ["1970-01-01T00:00:00.5Z", 0, 500_000_000],
    ["1970-01-01T00:00:00.123456789Z", 0, 123_456_789],
    ["1970-01-01T00:00:00.000000001Z", 0, 1],
    ["2038-01-19T03:14:08.001Z", 2 ** 31, 1_000_000],
  ])("%s → %i s + %i ns", (text, seconds, nanos) => {
    expect(parseInstant(text)).toEqual({ seconds, nanos });
  });

  it.each([
    "2023-02-29T00:00:00Z",
    "2100-02-29T00:00:00Z",
    "2026-04-31T00:00:00Z",
    "2026-00-10T00:00:00Z",
    "2026-01-00T00:00:00Z",
    "2026-01-01T23:60:00Z",
    "2026-01-01T23:59:60Z",
    "2026-01-01T00:00:00.1234567890Z",
    "2026-01-01T00:00:00.Z",
    "2026-01-01T00:00:00z",
    "1969-12-31T23:59:59Z",
  ])("rejects %s with a RangeError naming the text", (text) => {
    expect(() => parseInstant(text)).toThrow(RangeError);
    expect(() => parseInstant(text)).toThrow(text);
  });
});

describe("timestampProblem", () => {
  it.each([
    ["1970-01-01T00:00:00Z", null],
    ["2024-02-29T00:00:00Z", null],
    ["2000-02-29T00:00:00Z", null],
    ["2023-02-29T00:00:00Z", "has no day 29 in 2023-02"],
    ["2100-02-29T00:00:00Z", "has no day 29 in 2100-02"],
    ["2026-13-01T00:00:00Z", "has no month 13"],
    ["2026-01-01T24:00:00Z", "has an invalid time of day"],
    ["2026-01-01T09:00:00+00:00", "must be in UTC, ending in 'Z' (e.g. 2026-11-26T09:00:00Z)"],
    ["2026-01-01T09:00:00", "must be in UTC, ending in 'Z' (e.g. 2026-11-26T09:00:00Z)"],
    ["2026-01-01", "must be an ISO-8601 UTC timestamp like 2026-11-26T09:00:00Z"],
    ["", "must be an ISO-8601 UTC timestamp like 2026-11-26T09:00:00Z"],
    ["1969-07-20T20:17:40Z", "must not be before 1970"],
  ])("%j → %j", (text, problem) => {
    expect(timestampProblem(text)).toBe(problem);
  });
});

describe("compareInstants", () => {
  const cmp = (a: string, b: string) => compareInstants(parseInstant(a), parseInstant(b));

  it("orders instants that milliseconds would tie", () => {
    expect(cmp("2026-11-26T09:00:00.0001Z", "2026-11-26T09:00:00.0002Z")).toBe(-1);
    expect(cmp("2026-11-26T09:00:00.0002Z", "2026-11-26T09:00:00.0001Z")).toBe(1);
  });

  it("treats different spellings of the same instant as equal", () => {
    expect(cmp("2026-11-26T09:00:00Z", "2026-11-26T09:00:00.000000000Z")).toBe(0);
    expect(cmp("2026-11-26T09:00:00.5Z", "2026-11-26T09:00:00.500Z")).toBe(0);
  });

  it("compares seconds before nanos", () => {
    expect(cmp("2026-11-26T09:00:00.999999999Z", "2026-11-26T09:00:01Z")).toBe(-1);
    expect(cmp("2027-01-01T00:00:00Z", "2026-12-31T23:59:59.999Z")).toBe(1);
  });

  it("addSeconds keeps nanos and moves seconds", () => {
    const later = addSeconds(parseInstant("2026-11-26T09:00:00.25Z"), 600);
    expect(later).toEqual(parseInstant("2026-11-26T09:10:00.25Z"));
  });
});

describe("agreement with Date", () => {
  const MIN = 0;
  const MAX = Date.UTC(2400, 11, 31, 23, 59, 59, 999);

  it("parseInstant(d.toISOString()) equals Date.parse to the millisecond, 1970–2400", () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN, max: MAX }), (ms) => {
        const iso = new Date(ms).toISOString();
        const instant = parseInstant(iso);
        expect(instant.seconds * 1000 + Math.floor(instant.nanos / 1e6)).toBe(Date.parse(iso));
        expect(instant.nanos % 1_000_000).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it("orders like Date for pairs of dates", () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN, max: MAX }), fc.integer({ min: MIN, max: MAX }), (a, b) => {
        const c = compareInstants(
          parseInstant(new Date(a).toISOString()),
          parseInstant(new Date(b).toISOString()),
        );
        expect(c).toBe(Math.sign(a - b));
      }),
      { numRuns: 1000 },
    );
  });

  it("accepts exactly the calendar days Date accepts, 1970–2400", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1970, max: 2400 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (year, month, day) => {
          const text = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}T00:00:00Z`;
          const real = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
          expect(timestampProblem(text) === null).toBe(real);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("parseInstant's character-by-character fast path", () => {
  it("agrees with the regular-expression reading on valid and near-valid strings", async () => {
    const fc = (await import("fast-check")).default;
    const { parseInstant: parse, timestampProblem: problem } = await import("./time");
    const digit = fc.constantFrom(..."0123456789");
    const piece = (n: number) => fc.array(digit, { minLength: n, maxLength: n }).map((d) => d.join(""));
    const candidate = fc
      .tuple(
        piece(4),
        piece(2),
        piece(2),
        piece(2),
        piece(2),
        piece(2),
        fc.option(fc.integer({ min: 0, max: 10 }).chain((k) => piece(k))),
        fc.constantFrom("Z", "Z", "z", "+00:00", ""),
      )
      .map(
        ([y, mo, d, h, mi, s, frac, end]) =>
          `${y}-${mo}-${d}T${h}:${mi}:${s}${frac === null ? "" : `.${frac}`}${end}`,
      );
    fc.assert(
      fc.property(candidate, (text) => {
        const reason = problem(text);
        if (reason) {
          expect(() => parse(text)).toThrow(RangeError);
        } else {
          const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/.exec(text)!;
          const ms = Date.UTC(
            Number(m[1]),
            Number(m[2]) - 1,
            Number(m[3]),
            Number(m[4]),
            Number(m[5]),
            Number(m[6]),
          );
          expect(parse(text)).toEqual({ seconds: ms / 1000, nanos: m[7] ? Number(m[7].padEnd(9, "0")) : 0 });
        }
      }),
      { numRuns: 20_000 },
    );
  });
});
