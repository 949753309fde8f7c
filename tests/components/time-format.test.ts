import { describe, expect, it } from "vitest";
import {
  formatInstant,
  inputToInstant,
  instantFromUrl,
  instantToInput,
  relativeTime,
} from "../../components/ui/time-format";

// Issue 14 §3: URLs hold UTC instants; what is shown follows the display zone (UTC or local).
describe("time-format", () => {
  const at = "2026-12-02T13:05:09.123Z";

  it("formats an instant in UTC, or in a local zone with its offset", () => {
    expect(formatInstant(at, "utc")).toEqual({ text: "2026-12-02 13:05:09", zoneLabel: "UTC" });
    expect(formatInstant(at, "local", "Europe/Berlin")).toEqual({
      text: "2026-12-02 14:05:09",
      zoneLabel: "GMT+1",
    });
    expect(formatInstant(at, "local", "America/New_York")).toEqual({
      text: "2026-12-02 08:05:09",
      zoneLabel: "GMT-5",
    });
    expect(formatInstant(at, "local", "Asia/Kolkata")).toEqual({
      text: "2026-12-02 18:35:09",
      zoneLabel: "GMT+5:30",
    });
    expect(formatInstant(at, "local", "Africa/Abidjan").zoneLabel).toBe("GMT+0");
    // Across midnight the date follows the zone too.
    expect(formatInstant("2026-12-31T23:30:00Z", "local", "Europe/Berlin").text).toBe("2027-01-01 00:30:00");
    expect(formatInstant("not a time", "utc")).toEqual({ text: "not a time", zoneLabel: "" });
  });

  it("says how long ago (or until) in the largest whole unit", () => {
    const now = Date.parse(at);
    expect(relativeTime(at, now + 3000)).toBe("now");
    expect(relativeTime(at, now + 45_000)).toBe("45 sec. ago");
    expect(relativeTime(at, now + 3 * 60_000 + 20_000)).toBe("3 min. ago");
    expect(relativeTime(at, now - 2 * 3_600_000)).toBe("in 2 hr.");
    expect(relativeTime(at, now + 86_400_000)).toBe("yesterday");
    expect(relativeTime(at, now + 9 * 86_400_000)).toBe("9 days ago");
    expect(relativeTime("nonsense", now)).toBe("");
  });

  it("round-trips a time filter between the input (display zone) and the URL (UTC instant)", () => {
    expect(instantToInput(at, "utc")).toBe("2026-12-02T13:05");
    expect(instantToInput(at, "local", "Europe/Berlin")).toBe("2026-12-02T14:05");
    expect(inputToInstant("2026-12-02T13:05", "utc")).toBe("2026-12-02T13:05:00.000Z");
    expect(inputToInstant("2026-12-02T13:05:30", "utc")).toBe("2026-12-02T13:05:30.000Z");
    // Local: read in the runtime's own zone, whatever it is here.
    const local = new Date(2026, 11, 2, 13, 5).toISOString();
    expect(inputToInstant("2026-12-02T13:05", "local")).toBe(local);
    for (const bad of ["", "2026-12-02", "13:05", "2026-12-02 13:05", "2026-12-02T13:05Z", "x"])
      expect(inputToInstant(bad, "utc"), bad).toBeUndefined();
    expect(instantToInput("", "utc")).toBe("");
    expect(instantToInput(null, "utc")).toBe("");
    expect(instantToInput("garbage", "local")).toBe("");
  });

  it("takes only instants with an offset from a URL: a wall time means a different window to each viewer", () => {
    expect(instantFromUrl("2026-12-02T13:05:00Z")).toBe("2026-12-02T13:05:00.000Z");
    expect(instantFromUrl("2026-12-02T14:05:00+01:00")).toBe("2026-12-02T13:05:00.000Z");
    expect(instantFromUrl("2026-12-02T13:05Z")).toBe("2026-12-02T13:05:00.000Z");
    for (const bad of [
      null,
      "",
      "2026-12-02T13:05",
      "2026-12-02",
      "yesterday",
      "2026-13-45T99:99Z",
      "2026-12-02T13:05:00+1",
    ])
      expect(instantFromUrl(bad), String(bad)).toBeUndefined();
  });
});
