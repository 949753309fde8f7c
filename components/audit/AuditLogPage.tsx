"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { LiveIndicator, useLiveRefresh } from "@/components/decisions/live";
import { useTenantAccess } from "@/components/shell/tenant-access";
import { useTRPC } from "@/components/trpc/client";
import type { AuditLogRow } from "@/components/trpc/types";
import { Badge, Button, EmptyState, ErrorState, Loading, PageHeader, Time } from "@/components/ui";
import { CursorPager, FilterInput, TimeFilterInput } from "@/components/ui/list-controls";
import { AUDIT_CATEGORIES, auditFilterFromSearch } from "./filter";

const PLATFORM_CHAIN = "_platform";

/** Every change people and keys made to this tenant, from its hash chain, newest first. */
export function AuditLogPage() {
  const { tenantId } = useTenantAccess();
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  const [cursors, setCursors] = useState<string[]>([]);
  const filter = auditFilterFromSearch((name) => search.get(name));
  const cursor = cursors.at(-1);
  const list = useQuery({
    ...trpc.audit.list.queryOptions({ tenantId, filter: { ...filter, ...(cursor ? { cursor } : {}) } }),
    placeholderData: keepPreviousData,
  });
  const live = useLiveRefresh(cursors.length === 0 ? [trpc.audit.list.queryKey()] : []);

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(search.toString());
    if (value) next.set(name, value);
    else next.delete(name);
    setCursors([]);
    router.replace(`${pathname}?${next.toString()}`);
  };

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change by people and keys — policies, keys, members, limits, executors, channels, votes and kill switches — read from the tenant's hash chain."
        actions={<LiveIndicator status={live} />}
      />
      <form
        aria-label="Filter the audit log"
        className="mb-4 grid grid-cols-1 gap-3 rounded-xl border border-line bg-surface-raised/60 p-3 sm:grid-cols-2 xl:grid-cols-5"
        onSubmit={(e) => e.preventDefault()}
      >
        <label className="flex min-w-0 flex-col gap-1 text-xs text-slate-300">
          Change
          <select
            className="min-w-0 rounded-md border border-line bg-surface px-2 py-1.5 text-sm"
            value={filter.category ?? ""}
            onChange={(e) => setFilter("category", e.target.value)}
          >
            <option value="">Any</option>
            {AUDIT_CATEGORIES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <FilterInput
          label="By (email or principal)"
          name="by"
          placeholder="admin@example.com"
          value={search.get("by") ?? ""}
          onCommit={setFilter}
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
        <Loading label="Loading the audit log…" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : list.data.rows.length === 0 ? (
        <EmptyState title={search.size ? "No change matches these filters" : "No changes yet"}>
          {search.size
            ? "Change or clear the filters."
            : "Changes to policies, keys, members and switches appear here."}
        </EmptyState>
      ) : (
        <ol aria-label="Audit log" className="flex flex-col gap-2">
          {list.data.rows.map((row) => (
            <AuditEntry key={row.id} row={row} tenantId={tenantId} />
          ))}
        </ol>
      )}

      <CursorPager
        page={cursors.length + 1}
        refreshing={list.isFetching && !list.isPending}
        hasNewer={cursors.length > 0}
        hasOlder={Boolean(list.data?.nextCursor)}
        onNewer={() => setCursors((c) => c.slice(0, -1))}
        onOlder={() => list.data?.nextCursor && setCursors((c) => [...c, list.data.nextCursor!])}
      />
    </>
  );
}

const TONES = {
  policy: "sky",
  key: "amber",
  member: "slate",
  limit: "slate",
  executor: "sky",
  notification: "sky",
  vote: "emerald",
  switch: "rose",
} as const;

function AuditEntry({ row, tenantId }: { row: AuditLogRow; tenantId: string }) {
  const platform = row.chain === PLATFORM_CHAIN;
  const anchor = `seq-${platform ? "platform-" : ""}${row.seq}`;
  return (
    <li
      id={anchor}
      data-testid="audit-row"
      data-type={row.type}
      className="min-w-0 rounded-xl border border-line bg-surface-raised/60 p-3 text-sm target:border-emerald-400/60 target:bg-emerald-400/10"
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-400">
        <Time at={row.at} relative />
        <Badge tone={TONES[row.category]}>{row.type}</Badge>
        <a
          className="font-mono text-emerald-300 hover:underline"
          href={`#${anchor}`}
          title={`hash ${row.hash}`}
          aria-label={`${platform ? "platform chain" : `${tenantId} chain`} seq ${row.seq}`}
        >
          {platform ? "platform " : ""}seq {row.seq}
        </a>
      </div>
      <p className="mt-1 break-words text-slate-100" data-testid="audit-summary">
        {row.summary}
      </p>
      <p className="mt-0.5 break-words text-xs text-slate-400">
        by <span className="text-slate-200">{row.byName ?? row.by}</span>
        {row.byName && <span className="font-mono"> ({row.by})</span>}
      </p>
      <details className="mt-1">
        <summary className="cursor-pointer text-xs text-slate-400">
          Recorded event {platform ? "platform " : ""}seq {row.seq}
        </summary>
        <pre className="mt-1 max-w-full overflow-x-auto whitespace-pre-wrap break-all rounded-md bg-surface p-2 font-mono text-xs text-slate-300">
          {JSON.stringify(
            {
              chain: row.chain,
              seq: row.seq,
              type: row.type,
              subjectId: row.subjectId,
              at: row.at,
              payload: row.payload,
              hash: row.hash,
            },
            null,
            2,
          )}
        </pre>
      </details>
    </li>
  );
}
