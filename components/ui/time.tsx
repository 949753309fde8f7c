"use client";

import { useSyncExternalStore } from "react";
import { type DisplayZone, formatInstant, relativeTime } from "./time-format";

// The viewer's display zone, kept in localStorage so every tab and page agrees. The server renders
// UTC (it cannot know the choice); a viewer who chose local time sees it from hydration on.
const KEY = "exoarmur.displayZone";
const CHANGED = "exoarmur:display-zone";

function readZone(): DisplayZone {
  try {
    return window.localStorage.getItem(KEY) === "local" ? "local" : "utc";
  } catch {
    return "utc";
  }
}

function subscribeZone(onChange: () => void) {
  window.addEventListener(CHANGED, onChange);
  window.addEventListener("storage", onChange);
  return () => {
    window.removeEventListener(CHANGED, onChange);
    window.removeEventListener("storage", onChange);
  };
}

export function setDisplayZone(zone: DisplayZone) {
  try {
    window.localStorage.setItem(KEY, zone);
  } catch {
    // Storage refused (private mode): the choice lasts for this page only.
  }
  window.dispatchEvent(new Event(CHANGED));
}

export function useDisplayZone(): DisplayZone {
  return useSyncExternalStore(subscribeZone, readZone, () => "utc");
}

// One clock for every relative time on the page, ticking every 15 s; null while rendering on the
// server and hydrating, so no relative text is rendered that the client would contradict.
let now = Date.now();
const listeners = new Set<() => void>();
let ticker: ReturnType<typeof setInterval> | undefined;
function subscribeNow(onChange: () => void) {
  listeners.add(onChange);
  if (!ticker)
    ticker = setInterval(() => {
      now = Date.now();
      for (const l of listeners) l();
    }, 15_000);
  now = Date.now();
  return () => {
    listeners.delete(onChange);
    if (!listeners.size && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
  };
}

function useNow(enabled: boolean): number | null {
  return useSyncExternalStore(
    enabled ? subscribeNow : noSubscription,
    () => (enabled ? now : null),
    () => null,
  );
}
const noSubscription = () => () => {};

/**
 * An instant in the viewer's display zone, with the exact ISO string in a tooltip; `relative` adds
 * "· 3 min. ago" where the age is what matters (lists, queues, last use).
 */
export function Time({ at, relative = false }: { at: string; relative?: boolean }) {
  const zone = useDisplayZone();
  const seenAt = useNow(relative);
  const { text, zoneLabel } = formatInstant(at, zone);
  return (
    <time dateTime={at} title={at} className="whitespace-nowrap">
      {text}
      <span className="text-[0.8em] text-slate-500"> {zoneLabel}</span>
      {seenAt !== null && <span className="text-slate-400"> · {relativeTime(at, seenAt)}</span>}
    </time>
  );
}

/** The header's UTC / local switch: one display zone for every time on every page. */
export function DisplayZoneToggle() {
  const zone = useDisplayZone();
  return (
    <fieldset className="flex items-center rounded-md border border-line text-xs">
      <legend className="sr-only">Show times in</legend>
      {(["utc", "local"] as const).map((z) => (
        <label
          key={z}
          className={`cursor-pointer px-2 py-1 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-emerald-400 ${
            zone === z ? "bg-slate-700 text-white" : "text-slate-400 hover:text-slate-200"
          }`}
        >
          <input
            type="radio"
            name="display-zone"
            className="sr-only"
            checked={zone === z}
            onChange={() => setDisplayZone(z)}
          />
          {z === "utc" ? "UTC" : "Local"}
        </label>
      ))}
    </fieldset>
  );
}
