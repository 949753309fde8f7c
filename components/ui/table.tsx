"use client";

import { createContext, type ReactNode, type TdHTMLAttributes, useContext } from "react";
import { ScrollRegion } from "./scroll-region";

/**
 * A table of records: the header row from `columns`, then `Row`s of `Cell`s. `normal` is the look of
 * the lists on the settings, policies, tenants and kill switch pages (scrolls sideways when narrow,
 * named by a caption for screen readers); `compact` the small tables inside a decision's cards.
 */
type Density = "normal" | "compact";

const LOOK = {
  normal: {
    headRow: "border-b border-line",
    head: "py-2 pr-3 font-medium last:pr-0",
    row: "border-b border-line/60 last:border-0",
    cell: "py-2 pr-3 last:pr-0",
  },
  compact: { headRow: undefined, head: "first:py-1", row: "border-t border-line", cell: "first:py-1" },
} as const;

const DensityContext = createContext<Density>("normal");

/** A column heading; `srOnly` for a column that needs a name but shows none. */
export type Column = string | { label: string; align?: "right"; srOnly?: boolean };

/** The last column of a list whose rows end in buttons: named for screen readers only, right-aligned. */
export const ACTIONS_COLUMN: Column = { label: "Actions", align: "right", srOnly: true };

export function Table({
  columns,
  caption,
  label,
  className = "",
  density = "normal",
  children,
}: {
  columns: readonly Column[];
  /** Names the table for screen readers (not shown). */
  caption?: string;
  /** Names the table by aria-label instead of a caption. */
  label?: string;
  /** Extra classes of the <table>, e.g. a minimum width. */
  className?: string;
  density?: Density;
  children: ReactNode;
}) {
  const look = LOOK[density];
  const table = (
    <table className={`w-full ${className} text-left text-sm`} aria-label={label}>
      {caption && <caption className="sr-only">{caption}</caption>}
      <thead className="text-xs text-slate-400">
        <tr className={look.headRow}>
          {columns.map((column) => {
            const c = typeof column === "string" ? { label: column } : column;
            return (
              <th
                key={c.label}
                scope="col"
                className={c.align === "right" ? `${look.head} text-right` : look.head}
              >
                {c.srOnly ? <span className="sr-only">{c.label}</span> : c.label}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        <DensityContext value={density}>{children}</DensityContext>
      </tbody>
    </table>
  );
  // A wide table scrolls inside its own box, never the page (phones). `relative`: the
  // screen-reader-only labels (absolutely positioned) stay inside the scroller too.
  return <ScrollRegion label={caption ?? label}>{table}</ScrollRegion>;
}

/** A row of a `Table`; `className` adds to the table's row look (e.g. `align-top`, a dimmed row). */
export function Row({
  className = "",
  id,
  children,
}: {
  className?: string;
  id?: string;
  children: ReactNode;
}) {
  const look = LOOK[useContext(DensityContext)];
  return (
    <tr id={id} className={`${look.row} target:bg-emerald-400/10 ${className}`}>
      {children}
    </tr>
  );
}

/** A cell of a `Row`; `className` adds to the table's cell padding. */
export function Cell({ className = "", ...props }: TdHTMLAttributes<HTMLTableCellElement>) {
  const look = LOOK[useContext(DensityContext)];
  return <td {...props} className={`${look.cell} ${className}`} />;
}
