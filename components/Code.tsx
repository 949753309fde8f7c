import type { ReactNode } from "react";

/** Inline code: identifiers, reason codes, field names. */
export function Code({ children }: { children: ReactNode }) {
  return (
    <code className="rounded bg-slate-800/80 px-1.5 py-0.5 font-mono text-[0.85em] text-emerald-200">
      {children}
    </code>
  );
}
