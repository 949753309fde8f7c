"use client";

import { useEffect, useRef, useState } from "react";
import { Button } from "./index";
import { useDisplayZone } from "./time";
import { inputToInstant, instantFromUrl, instantToInput } from "./time-format";

// Controls of a filterable, keyset-paginated list (the audit log, the decisions list).

/** How long typing pauses before a live filter applies. */
const LIVE_DELAY_MS = 300;

/**
 * A text filter applied on Enter or when focus leaves; `live` also applies it when typing pauses.
 * The URL is the filter's truth, but a committed value coming back never overwrites what the user
 * typed since.
 */
export function FilterInput({
  label,
  name,
  value,
  onCommit,
  type = "text",
  placeholder,
  live = false,
}: {
  label: string;
  name: string;
  value: string;
  onCommit: (name: string, value: string) => void;
  type?: string;
  placeholder?: string;
  live?: boolean;
}) {
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  const committed = useRef(value);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  if (value !== seen) {
    setSeen(value);
    if (value !== committed.current) setDraft(value);
  }
  useEffect(() => () => clearTimeout(timer.current), []);
  const commit = (text: string) => {
    clearTimeout(timer.current);
    const next = text.trim();
    if (next === committed.current && next === value) return;
    committed.current = next;
    onCommit(name, next);
  };
  return (
    <label className="flex min-w-0 flex-col gap-1 text-xs text-slate-300">
      {label}
      <input
        type={type}
        name={name}
        value={draft}
        placeholder={placeholder}
        onChange={(e) => {
          const text = e.target.value;
          setDraft(text);
          if (live) {
            clearTimeout(timer.current);
            timer.current = setTimeout(() => commit(text), LIVE_DELAY_MS);
          }
        }}
        onBlur={() => commit(draft)}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit(draft);
        }}
        className="min-w-0 rounded-md border border-line bg-surface px-2 py-1.5 text-sm text-slate-100 placeholder:text-slate-600"
      />
    </label>
  );
}

/**
 * A time filter: the URL holds a UTC instant (the same window for everyone a link is shared with);
 * the input shows and reads it in the viewer's display zone.
 */
export function TimeFilterInput({
  label,
  name,
  value,
  onCommit,
}: {
  label: string;
  name: string;
  /** The URL's instant, or "" for none. */
  value: string;
  onCommit: (name: string, instant: string) => void;
}) {
  const zone = useDisplayZone();
  return (
    <FilterInput
      key={zone}
      label={`${label} (${zone === "utc" ? "UTC" : "your local time"})`}
      name={name}
      type="datetime-local"
      value={instantToInput(instantFromUrl(value), zone)}
      onCommit={(n, text) => onCommit(n, text ? (inputToInstant(text, zone) ?? "") : "")}
    />
  );
}

/** "Page n · ← Newer · Older →" under a list paginated by cursors. */
export function CursorPager({
  page,
  refreshing,
  hasNewer,
  hasOlder,
  onNewer,
  onOlder,
}: {
  page: number;
  refreshing: boolean;
  hasNewer: boolean;
  hasOlder: boolean;
  onNewer: () => void;
  onOlder: () => void;
}) {
  return (
    <nav aria-label="Pages" className="mt-4 flex items-center justify-between text-sm text-slate-400">
      <span>
        Page {page}
        {refreshing ? " · refreshing…" : ""}
      </span>
      <div className="flex gap-2">
        <Button disabled={!hasNewer} onClick={onNewer}>
          ← Newer
        </Button>
        <Button disabled={!hasOlder} onClick={onOlder}>
          Older →
        </Button>
      </div>
    </nav>
  );
}
