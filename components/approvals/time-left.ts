"use client";

import { useEffect, useState } from "react";

/** "4 min 12 s" until a deadline, or "expired" once it has passed. */
export function timeLeft(seconds: number): string {
  if (seconds <= 0) return "expired";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`} left`;
}

/** Counts down locally between refreshes; the server's expiry is what counts. */
export function useNow(intervalMs = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export const secondsUntil = (at: string, now: number) =>
  Math.max(0, Math.floor((Date.parse(at) - now) / 1000));
