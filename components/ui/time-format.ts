// Instants as people read them (issue 14 §3 "Time zones"). Storage, the chain and URLs hold UTC
// instants; only what is shown follows the viewer's display zone (UTC, or the browser's own). Pure:
// every function takes the zone and, for relative times, "now".

/** What the viewer chose to read times in. */
export type DisplayZone = "utc" | "local";

/** An IANA zone for Intl, or undefined for the runtime's own (the browser's local zone). */
const intlZone = (zone: DisplayZone) => (zone === "utc" ? "UTC" : undefined);

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: DisplayZone, timeZone = intlZone(zone)): Intl.DateTimeFormat {
  const key = `${zone}:${timeZone ?? ""}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "shortOffset",
    });
    formatters.set(key, f);
  }
  return f;
}

/**
 * "2026-12-02 14:05:09" and its zone label ("UTC", or the local offset such as "GMT+1"), for an
 * ISO instant. `timeZone` (tests only) stands in for the browser's local zone.
 */
export function formatInstant(
  iso: string,
  zone: DisplayZone,
  timeZone?: string,
): { text: string; zoneLabel: string } {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return { text: iso, zoneLabel: "" };
  if (zone === "utc") return { text: at.toISOString().replace("T", " ").slice(0, 19), zoneLabel: "UTC" };
  const parts = Object.fromEntries(
    formatter(zone, timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const label = parts.timeZoneName === "GMT" ? "GMT+0" : (parts.timeZoneName ?? "");
  return {
    text: `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`,
    zoneLabel: label,
  };
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
];
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto", style: "short" });

/** "3 min. ago", "in 2 hr.", "now": the largest whole unit, for an instant seen at `now` (ms). */
export function relativeTime(iso: string, now: number): string {
  const delta = new Date(iso).getTime() - now;
  if (Number.isNaN(delta)) return "";
  if (Math.abs(delta) < 10_000) return "now";
  for (const [unit, ms] of UNITS) {
    if (Math.abs(delta) >= ms || unit === "second") return relative.format(Math.trunc(delta / ms), unit);
  }
  return "";
}

/** An instant as the value of a datetime-local input in the display zone ("2026-12-02T14:05"). */
export function instantToInput(iso: string | null | undefined, zone: DisplayZone, timeZone?: string): string {
  if (!iso) return "";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "";
  if (zone === "utc") return at.toISOString().slice(0, 16);
  const { text } = formatInstant(iso, zone, timeZone);
  return text.slice(0, 16).replace(" ", "T");
}

const INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * A datetime-local value read in the display zone, as a UTC instant ("…Z"), or undefined when it
 * is not one. Local wall times are read by the runtime (the browser's zone).
 */
export function inputToInstant(value: string, zone: DisplayZone): string | undefined {
  const m = INPUT.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((n) => Number(n ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const at = zone === "utc" ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : new Date(y, mo - 1, d, h, mi, s);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A time filter from a URL: an instant with its offset ("Z" or "+01:00"), as a UTC instant. Anything
 * else (a wall time without an offset means a different window to each viewer) is no filter.
 */
export function instantFromUrl(value: string | null): string | undefined {
  if (!value || !INSTANT.test(value)) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}
