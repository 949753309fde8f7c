// Strict ISO-8601 UTC timestamps ("2026-11-26T09:00:00Z", up to 9 fractional digits), parsed
// without Date so that validity and ordering are the same on every engine. Represented as whole
// epoch seconds plus nanoseconds, which compares exactly where milliseconds would round.

interface Instant {
  readonly seconds: number;
  readonly nanos: number;
}

const UTC_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Why a string is not a valid UTC timestamp, or null when it is. */
export function timestampProblem(text: string): string | null {
  const m = UTC_TIMESTAMP.exec(text);
  if (!m) {
    return /[+-]\d{2}:?\d{2}$/.test(text) || /T[\d:.]+$/.test(text)
      ? "must be in UTC, ending in 'Z' (e.g. 2026-11-26T09:00:00Z)"
      : "must be an ISO-8601 UTC timestamp like 2026-11-26T09:00:00Z";
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1970) return "must not be before 1970";
  if (month < 1 || month > 12) return `has no month ${month}`;
  if (day < 1 || day > daysInMonth(year, month)) return `has no day ${day} in ${m[1]}-${m[2]}`;
  if (hour > 23 || minute > 59 || second > 59) return "has an invalid time of day";
  return null;
}

const ZERO = 48;

/** Digits at [from, to) as a number, or -1 if any is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * The hot path of every decision: reads "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z" character by character
 * (no RegExp, no allocation beyond the result) and returns null for anything else, in which case
 * `parseInstant` falls back to the descriptive checks. Equivalence is property-tested.
 */
function fastInstant(text: string): Instant | null {
  const n = text.length;
  if (n < 20 || n > 30 || text.charCodeAt(n - 1) !== 90 /* Z */) return null;
  if (text[4] !== "-" || text[7] !== "-" || text[10] !== "T" || text[13] !== ":" || text[16] !== ":")
    return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  if (
    year < 1970 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  ) {
    return null;
  }
  if (day > daysInMonth(year, month)) return null;
  let nanos = 0;
  if (n > 20) {
    if (text[19] !== "." || n === 21) return null;
    const fraction = digits(text, 20, n - 1);
    if (fraction < 0) return null;
    nanos = fraction * 10 ** (9 - (n - 21));
  } else if (n !== 20) return null;
  return { seconds: daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second, nanos };
}

export function parseInstant(text: string): Instant {
  const fast = fastInstant(text);
  if (fast) return fast;
  const problem = timestampProblem(text);
  if (problem) throw new RangeError(`timestamp ${JSON.stringify(text)} ${problem}`);
  const m = UTC_TIMESTAMP.exec(text)!;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as number[];
  const days = daysFromCivil(year!, month!, day!);
  const nanos = m[7] ? Number(m[7].padEnd(9, "0")) : 0;
  return { seconds: days * 86400 + hour! * 3600 + minute! * 60 + second!, nanos };
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.seconds !== b.seconds ? Math.sign(a.seconds - b.seconds) : Math.sign(a.nanos - b.nanos);
}

export function addSeconds(instant: Instant, seconds: number): Instant {
  return { seconds: instant.seconds + seconds, nanos: instant.nanos };
}
