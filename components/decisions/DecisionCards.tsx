"use client";

import Link from "next/link";
import type { DecisionRow } from "@/components/trpc/types";
import { Badge, Time } from "@/components/ui";
import { type Verdict, VerdictBadge } from "@/components/VerdictBadge";

/** How a decision's execution or approval status is coloured, in the table and the cards. */
export function statusTone(status: string) {
  if (["SUCCEEDED", "APPROVED"].includes(status)) return "emerald" as const;
  if (["FAILED", "BLOCKED", "DENIED", "EXPIRED", "UNREPORTED"].includes(status)) return "rose" as const;
  if (["PENDING", "RETRY_WAIT", "AWAITING_CALLER"].includes(status)) return "amber" as const;
  return "sky" as const;
}

/**
 * The decisions list on a phone (below `md`): one card per decision, the whole card a link to it,
 * every field wrapping instead of widening the page. Wide screens keep the table.
 */
export function DecisionCards({ rows, tenantId }: { rows: readonly DecisionRow[]; tenantId: string }) {
  return (
    <ul aria-label="Decisions" className="flex flex-col gap-2 md:hidden">
      {rows.map((d) => {
        const status = d.executionStatus ?? d.approvalStatus;
        return (
          <li key={d.id} data-testid="decision-card">
            <Link
              href={`/t/${encodeURIComponent(tenantId)}/decisions/${d.id}`}
              className="block min-w-0 rounded-xl border border-line bg-surface-raised/70 p-3 text-sm hover:bg-slate-800/60 focus-visible:outline-2 focus-visible:outline-emerald-400"
            >
              <span className="flex flex-wrap items-center gap-2">
                <VerdictBadge verdict={d.verdict as Verdict} />
                {status && <Badge tone={statusTone(status)}>{status}</Badge>}
                <span className="ml-auto text-xs text-slate-400">
                  <Time at={d.createdAt} relative />
                </span>
              </span>
              <span className="mt-2 block break-all font-mono text-slate-100">
                {d.action}
                {d.target && <span className="text-slate-400"> → {d.target}</span>}
              </span>
              <span className="mt-1 block break-words font-mono text-xs text-slate-300">{d.reason}</span>
              <span className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-400">
                <span className="break-all">
                  Actor <span className="text-slate-200">{d.actorId}</span>
                </span>
                {d.decidingRule && (
                  <span className="break-all">
                    Rule <span className="font-mono text-slate-200">{d.decidingRule}</span>
                  </span>
                )}
                <span className="break-all">
                  Decision <span className="font-mono text-emerald-300">{d.id.slice(0, 12)}…</span>
                </span>
              </span>
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
