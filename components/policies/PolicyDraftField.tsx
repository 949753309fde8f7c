"use client";

import { useId, useRef } from "react";
import { Button } from "@/components/ui";
import type { DraftCheck } from "./draft";

/**
 * A labelled monospace textarea for a policy document, with its validation right below: the JSON
 * syntax error and where it is, then the schema's field errors (path + message), or "valid — N rules".
 */
export function PolicyDraftField({
  label,
  value,
  onChange,
  check,
  current,
  rows = 22,
  hint,
}: {
  label: string;
  value: string;
  onChange: (text: string) => void;
  check: DraftCheck;
  /** False while validation has not caught up with the latest keystroke. */
  current: boolean;
  rows?: number;
  hint?: string;
}) {
  const id = useId();
  const ref = useRef<HTMLTextAreaElement>(null);
  const bad = check.kind === "syntax" || check.kind === "invalid";

  const goTo = (offset: number) => {
    const area = ref.current;
    if (!area) return;
    area.focus();
    area.setSelectionRange(offset, Math.min(offset + 1, area.value.length));
  };

  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <label htmlFor={id} className="text-xs font-medium text-slate-300">
          {label}
        </label>
        {hint && <span className="text-xs text-slate-500">{hint}</span>}
      </div>
      <textarea
        ref={ref}
        id={id}
        rows={rows}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        autoComplete="off"
        wrap="off"
        aria-invalid={bad ? true : undefined}
        aria-describedby={`${id}-status`}
        className={`min-h-48 w-full resize-y rounded-md border bg-surface px-3 py-2 font-mono text-xs leading-5 text-slate-100 focus:outline-2 focus:outline-emerald-400 ${bad ? "border-rose-500/70" : "border-line"}`}
      />
      <div id={`${id}-status`} className="text-xs">
        <DraftStatus check={check} current={current} text={value} onGoTo={goTo} />
      </div>
    </div>
  );
}

function DraftStatus({
  check,
  current,
  text,
  onGoTo,
}: {
  check: DraftCheck;
  current: boolean;
  text: string;
  onGoTo: (offset: number) => void;
}) {
  if (!current) return <p className="text-slate-500">Checking…</p>;
  switch (check.kind) {
    case "empty":
      return (
        <p className="text-slate-400" aria-live="polite">
          Empty — a policy is a JSON object <code className="font-mono">{'{"rules": [...]}'}</code>.
        </p>
      );
    case "valid":
      return (
        <p className="font-medium text-emerald-300" aria-live="polite">
          ✓ valid — {check.rules} {check.rules === 1 ? "rule" : "rules"}
        </p>
      );
    case "syntax": {
      const { line, column, message, offset } = check.error;
      // A window around the error, so a minified one-line document still shows where it broke.
      const fullLine = text.split("\n")[line - 1] ?? "";
      const start = Math.max(0, column - 1 - 60);
      const lineText = fullLine.slice(start, column - 1 + 60);
      return (
        <div className="rounded-md border border-rose-500/40 bg-rose-500/10 p-2 text-rose-200">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <p aria-live="polite">
              <span className="font-semibold">JSON syntax error</span> at line {line}, column {column}:{" "}
              {message}
            </p>
            <Button tone="ghost" className="px-2 py-0.5 text-xs" onClick={() => onGoTo(offset)}>
              Go to error
            </Button>
          </div>
          <pre className="mt-1 overflow-x-auto font-mono text-[11px] leading-4 text-rose-100/90" aria-hidden>
            {lineText}
            {"\n"}
            {`${" ".repeat(Math.max(0, column - 1 - start))}^`}
          </pre>
        </div>
      );
    }
    case "invalid":
      return (
        <div className="rounded-md border border-rose-500/40 bg-rose-500/10 p-2 text-rose-200">
          <p className="font-semibold" aria-live="polite">
            Not a valid policy: {check.errors.length} {check.errors.length === 1 ? "problem" : "problems"}
          </p>
          <ul className="mt-1 list-disc space-y-0.5 pl-5 font-mono">
            {check.errors.map((e) => (
              <li key={`${e.path}:${e.message}`}>
                <span className="text-rose-100">{e.path || "(document)"}</span>: {e.message}
              </li>
            ))}
          </ul>
        </div>
      );
  }
}
