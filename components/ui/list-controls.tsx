"use client";

import { useState } from "react";
import { Button } from "./index";

// Controls of a filterable, keyset-paginated list (the audit log, the decisions list).

/** A text filter applied on Enter or when focus leaves, not on every keystroke. */
export function FilterInput({
  label,
  name,
  value,
  onCommit,
  type = "text",
  placeholder,
}: {
  label: string;
  name: string;
  value: string;
  onCommit: (name: string, value: string) => void;
  type?: string;
  placeholder?: string;
}) {
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  if (value !== seen) {
    setSeen(value);
    setDraft(value);
  }
  return (
    <label className="flex min-w-0 flex-col gap-1 text-xs text-slate-300">
      {label}
      <input
        type={type}
        name={name}
        value={draft}
        placeholder={placeholder}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => draft !== value && onCommit(name, draft.trim())}
        onKeyDown={(e) => {
          if (e.key === "Enter") onCommit(name, draft.trim());
        }}
        className="min-w-0 rounded-md border border-line bg-surface px-2 py-1.5 text-sm text-slate-100 placeholder:text-slate-600"
      />
    </label>
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
