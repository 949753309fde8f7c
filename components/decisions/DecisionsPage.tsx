"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from "@tanstack/react-table";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { DecisionsExport } from "@/components/export/ExportButtons";
import { useTenantAccess } from "@/components/shell/tenant-access";
import { useTRPC } from "@/components/trpc/client";
import type { DecisionRow } from "@/components/trpc/types";
import { Badge, Button, EmptyState, ErrorState, Loading, PageHeader, Time } from "@/components/ui";
import { FilterInput, TimeFilterInput } from "@/components/ui/list-controls";
import { type Verdict, VerdictBadge } from "@/components/VerdictBadge";
import { DecisionCards, statusTone } from "./DecisionCards";
import { filterFromSearch, VERDICTS } from "./filter";
import { LiveIndicator, useLiveRefresh } from "./live";

type Cursor = { createdAt: string; id: string };

const column = createColumnHelper<DecisionRow>();

export function DecisionsPage() {
  const { tenantId } = useTenantAccess();
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  const [cursors, setCursors] = useState<Cursor[]>([]);

  const filter = filterFromSearch((name) => search.get(name));
  const cursor = cursors.at(-1);
  const listInput = { tenantId, filter: { ...filter, ...(cursor ? { cursor } : {}) } };
  const list = useQuery({
    ...trpc.decisions.list.queryOptions(listInput),
    placeholderData: keepPreviousData,
  });
  // Only the first page follows the feed; older pages stay put while you read them.
  const live = useLiveRefresh(cursors.length === 0 ? [trpc.decisions.list.queryKey()] : []);

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(search.toString());
    if (value) next.set(name, value);
    else next.delete(name);
    setCursors([]);
    router.replace(`${pathname}?${next.toString()}`);
  };

  const columns = useMemo(
    () => [
      column.accessor("createdAt", {
        header: "Decided at",
        cell: (c) => <Time at={c.getValue()} relative />,
      }),
      column.accessor("verdict", {
        header: "Verdict",
        cell: (c) => <VerdictBadge verdict={c.getValue() as Verdict} />,
      }),
      column.accessor("reason", {
        header: "Reason",
        cell: (c) => <span className="font-mono text-xs">{c.getValue()}</span>,
      }),
      column.accessor("action", {
        header: "Action",
        cell: (c) => <span className="font-mono">{c.getValue()}</span>,
      }),
      column.accessor("target", {
        header: "Target",
        cell: (c) => <span className="break-all font-mono text-xs">{c.getValue() ?? "—"}</span>,
      }),
      column.accessor("actorId", { header: "Actor" }),
      column.accessor("decidingRule", {
        header: "Rule",
        cell: (c) => <span className="font-mono text-xs text-slate-400">{c.getValue() ?? "—"}</span>,
      }),
      column.display({
        id: "status",
        header: "Status",
        cell: ({ row }) => {
          const s = row.original.executionStatus ?? row.original.approvalStatus;
          return s ? <Badge tone={statusTone(s)}>{s}</Badge> : <span className="text-slate-500">—</span>;
        },
      }),
      column.display({
        id: "open",
        header: () => <span className="sr-only">Open</span>,
        cell: ({ row }) => (
          // Its ::after covers the whole row (the row is `relative`): a click anywhere opens the
          // decision, and the middle click, ⌘-click and the link's menu behave as on any link.
          <Link
            className="text-emerald-300 after:absolute after:inset-0 after:content-[''] hover:underline focus-visible:outline-none focus-visible:after:outline-2 focus-visible:after:outline-emerald-400"
            href={`/t/${encodeURIComponent(tenantId)}/decisions/${row.original.id}`}
            title={`Open decision ${row.original.id}`}
          >
            <span className="sr-only">Open decision </span>
            <span className="font-mono">{row.original.id.slice(0, 12)}…</span>
          </Link>
        ),
      }),
    ],
    [tenantId],
  );
  const table = useReactTable({ data: list.data?.rows ?? [], columns, getCoreRowModel: getCoreRowModel() });

  return (
    <>
      <PageHeader
        title="Decisions"
        description="Every intent the gateway evaluated, newest first. New decisions appear as they are made."
        actions={
          <div className="flex flex-wrap items-center gap-3">
            <DecisionsExport tenantId={tenantId} filter={filter} />
            <LiveIndicator status={live} />
          </div>
        }
      />
      <form
        aria-label="Filter decisions"
        className="mb-4 grid grid-cols-2 gap-3 rounded-xl border border-line bg-surface-raised/60 p-3 md:grid-cols-3 xl:grid-cols-6"
        onSubmit={(e) => e.preventDefault()}
      >
        <label className="flex flex-col gap-1 text-xs text-slate-300">
          Verdict
          <select
            className="rounded-md border border-line bg-surface px-2 py-1.5 text-sm"
            value={filter.verdict ?? ""}
            onChange={(e) => setFilter("verdict", e.target.value)}
          >
            <option value="">Any</option>
            {VERDICTS.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <FilterInput
          label="Action (prefix or glob)"
          name="action"
          placeholder="host.* or host"
          value={search.get("action") ?? ""}
          onCommit={setFilter}
          live
        />
        <FilterInput
          label="Actor (prefix or glob)"
          name="actor"
          placeholder="soar-*"
          value={search.get("actor") ?? ""}
          onCommit={setFilter}
          live
        />
        <TimeFilterInput label="From" name="from" value={search.get("from") ?? ""} onCommit={setFilter} />
        <TimeFilterInput label="To" name="to" value={search.get("to") ?? ""} onCommit={setFilter} />
        <div className="flex items-end">
          <Button
            onClick={() => {
              setCursors([]);
              router.replace(pathname);
            }}
          >
            Clear filters
          </Button>
        </div>
      </form>

      {list.isPending ? (
        <Loading label="Loading decisions…" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : list.data.rows.length === 0 ? (
        <EmptyState
          title={cursors.length || search.size ? "No decision matches these filters" : "No decisions yet"}
        >
          {search.size
            ? "Change or clear the filters."
            : "Submit an intent with a client API key (POST /api/v1/intents); it appears here at once."}
        </EmptyState>
      ) : (
        <>
          <DecisionCards rows={list.data.rows} tenantId={tenantId} />
          <div className="hidden overflow-x-auto rounded-xl border border-line md:block">
            <table className="w-full min-w-[900px] text-left text-sm" aria-label="Decisions">
              <thead className="bg-surface-raised text-xs uppercase tracking-wide text-slate-400">
                {table.getHeaderGroups().map((group) => (
                  <tr key={group.id}>
                    {group.headers.map((header) => (
                      <th key={header.id} scope="col" className="px-3 py-2 font-medium">
                        {flexRender(header.column.columnDef.header, header.getContext())}
                      </th>
                    ))}
                  </tr>
                ))}
              </thead>
              <tbody className="divide-y divide-line">
                {table.getRowModel().rows.map((row) => (
                  <tr
                    key={row.id}
                    data-testid="decision-row"
                    className="relative cursor-pointer hover:bg-slate-800/40"
                  >
                    {row.getVisibleCells().map((cell) => (
                      <td key={cell.id} className="px-3 py-2 align-middle">
                        {flexRender(cell.column.columnDef.cell, cell.getContext())}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}

      <nav aria-label="Pages" className="mt-4 flex items-center justify-between text-sm text-slate-400">
        <span>
          Page {cursors.length + 1}
          {list.isFetching && !list.isPending ? " · refreshing…" : ""}
        </span>
        <div className="flex gap-2">
          <Button disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Newer
          </Button>
          <Button
            disabled={!list.data?.nextCursor}
            onClick={() => list.data?.nextCursor && setCursors((c) => [...c, list.data.nextCursor!])}
          >
            Older →
          </Button>
        </div>
      </nav>
    </>
  );
}
