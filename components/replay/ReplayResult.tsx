"use client";

import Link from "next/link";
import { type ReactNode, useId } from "react";
import { ReplayExport } from "@/components/export/ExportButtons";
import type { ReplayChangeRow, ReplayOutput } from "@/components/trpc/types";
import { Badge, EmptyState, ErrorState, Loading, Time } from "@/components/ui";
import { type Verdict, VerdictBadge } from "@/components/VerdictBadge";

/**
 * The answer of a what-if replay: how many decisions would change, which verdict transitions, and
 * each changed decision with what differs. Shared by the Replay page and the policy editor's Simulate.
 */
export function ReplayResult({
  tenantId,
  data,
  error,
  loading,
  onRetry,
  idle,
}: {
  tenantId: string;
  data: ReplayOutput | undefined;
  error: unknown;
  loading: boolean;
  onRetry?: () => void;
  /** Shown before the first run. */
  idle?: ReactNode;
}) {
  const id = useId();
  if (loading) return <Loading label="Replaying recorded decisions…" />;
  if (error) return <ErrorState error={error} retry={onRetry} />;
  if (!data) return idle ? <EmptyState title="No replay yet">{idle}</EmptyState> : null;

  const { evaluated, changed, unchanged, transitions, changes, truncated, range, candidate } = data;
  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-col gap-1">
        <p
          data-testid="replay-summary"
          className={`text-base font-semibold ${changed > 0 ? "text-amber-200" : "text-emerald-300"}`}
        >
          {changed} of {evaluated} {evaluated === 1 ? "decision" : "decisions"} would change
        </p>
        <p className="text-xs text-slate-400">
          Candidate: <span className="font-mono text-slate-300">{candidate}</span> · {unchanged} unchanged
          {range.from && range.to && (
            <>
              {" "}
              · decisions from <Time at={range.from} /> to <Time at={range.to} />
            </>
          )}
        </p>
        {changed > 0 && <ReplayExport data={data} />}
      </div>

      {evaluated === 0 ? (
        <EmptyState title="No recorded decisions in this range">
          Widen the time range, or submit some intents first.
        </EmptyState>
      ) : changed === 0 ? (
        <EmptyState title="No decision would change">
          Every one of the {evaluated} decisions reaches the same verdict, reason and deciding rule under the
          candidate.
        </EmptyState>
      ) : (
        <>
          <section aria-labelledby={`${id}-transitions`} className="flex flex-col gap-2">
            <h3 id={`${id}-transitions`} className="text-sm font-semibold text-slate-100">
              Verdict transitions
            </h3>
            <TransitionsTable transitions={transitions} />
          </section>

          <section aria-labelledby={`${id}-changes`} className="flex flex-col gap-2">
            <h3 id={`${id}-changes`} className="text-sm font-semibold text-slate-100">
              Decisions that would change
            </h3>
            {truncated && (
              <p role="note" className="text-xs text-amber-200">
                Showing the first {changes.length} of {changed} changed decisions (the counts above cover them
                all). Narrow the time range to see the rest.
              </p>
            )}
            <ul className="flex flex-col gap-2">
              {changes.map((c) => (
                <ChangeRow key={c.decisionId} tenantId={tenantId} change={c} />
              ))}
            </ul>
          </section>
        </>
      )}
    </div>
  );
}

const VERDICTS: readonly string[] = ["ALLOW", "DENY", "REQUIRE_APPROVAL"] satisfies Verdict[];

function VerdictOrText({ value }: { value: string }) {
  return VERDICTS.includes(value) ? <VerdictBadge verdict={value as Verdict} /> : <Badge>{value}</Badge>;
}

function Outcome({ label, outcome }: { label: string; outcome: ReplayChangeRow["before"] }) {
  return (
    <div className="flex min-w-0 flex-col gap-1">
      <span className="text-[11px] uppercase tracking-wide text-slate-500">{label}</span>
      <VerdictOrText value={outcome.verdict} />
      <span className="font-mono text-xs text-slate-300">{outcome.reason}</span>
      <span className="truncate text-xs text-slate-400" title={outcome.decidingRule ?? undefined}>
        {outcome.decidingRule ? (
          <>
            rule <span className="font-mono text-slate-300">{outcome.decidingRule}</span>
          </>
        ) : (
          "no deciding rule"
        )}
      </span>
    </div>
  );
}

function show(value: unknown): string {
  if (value === undefined) return "(absent)";
  return JSON.stringify(value) ?? String(value);
}

function ChangeRow({ tenantId, change }: { tenantId: string; change: ReplayChangeRow }) {
  const n = change.differences.length;
  return (
    <li data-testid="replay-change" className="rounded-lg border border-line bg-surface/60 p-3 text-sm">
      <div className="grid grid-cols-1 gap-3 md:grid-cols-[minmax(0,1.3fr)_minmax(0,1fr)_auto_minmax(0,1fr)] md:items-start">
        <div className="flex min-w-0 flex-col gap-0.5">
          <Link
            href={`/t/${encodeURIComponent(tenantId)}/decisions/${encodeURIComponent(change.decisionId)}`}
            className="truncate font-mono text-xs text-emerald-300 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-emerald-400"
          >
            {change.decisionId}
          </Link>
          <span className="truncate font-mono text-slate-100" title={change.action}>
            {change.action}
          </span>
          <span className="truncate text-xs text-slate-400" title={change.actorId}>
            actor {change.actorId}
          </span>
          <span className="text-xs text-slate-500">
            <Time at={change.createdAt} />
          </span>
        </div>
        <Outcome label="Recorded" outcome={change.before} />
        <span aria-hidden className="hidden self-center text-slate-500 md:block">
          →
        </span>
        <Outcome label="Under candidate" outcome={change.after} />
      </div>
      <details className="mt-2 group">
        <summary className="cursor-pointer select-none rounded text-xs text-slate-400 hover:text-slate-200 focus-visible:outline-2 focus-visible:outline-emerald-400">
          {n} {n === 1 ? "difference" : "differences"}
        </summary>
        <table className="mt-2 w-full text-left font-mono text-xs">
          <thead className="text-slate-500">
            <tr>
              <th scope="col" className="py-1 pr-3 font-normal">
                Path
              </th>
              <th scope="col" className="py-1 pr-3 font-normal">
                Recorded
              </th>
              <th scope="col" className="py-1 font-normal">
                Replayed
              </th>
            </tr>
          </thead>
          <tbody>
            {change.differences.map((d) => (
              <tr key={d.path} className="border-t border-line/60 align-top">
                <td className="py-1 pr-3 text-slate-300">{d.path || "(value)"}</td>
                <td className="break-all py-1 pr-3 text-rose-200">{show(d.expected)}</td>
                <td className="break-all py-1 text-emerald-200">{show(d.actual)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </li>
  );
}

/** How many decisions go from which verdict to which (the replay's and the activation review's). */
export function TransitionsTable({ transitions }: { transitions: ReplayOutput["transitions"] }) {
  return (
    <div className="overflow-x-auto">
      <table className="min-w-72 text-left text-sm">
        <thead className="text-xs text-slate-400">
          <tr className="border-b border-line">
            <th scope="col" className="py-1.5 pr-4 font-medium">
              From
            </th>
            <th scope="col" className="py-1.5 pr-4 font-medium">
              To
            </th>
            <th scope="col" className="py-1.5 text-right font-medium">
              Decisions
            </th>
          </tr>
        </thead>
        <tbody>
          {transitions.map((t) => (
            <tr key={`${t.from}→${t.to}`} className="border-b border-line/60 last:border-0">
              <td className="py-1.5 pr-4">
                <VerdictOrText value={t.from} />
              </td>
              <td className="py-1.5 pr-4">
                <VerdictOrText value={t.to} />
              </td>
              <td className="py-1.5 text-right font-mono tabular-nums text-slate-200">{t.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
