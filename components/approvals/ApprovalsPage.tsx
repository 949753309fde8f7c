"use client";

import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { LiveIndicator, useLiveRefresh } from "@/components/decisions/live";
import { useTenantAccess } from "@/components/shell/tenant-access";
import { useTRPC } from "@/components/trpc/client";
import { EmptyState, ErrorState, Loading, PageHeader } from "@/components/ui";
import { ApprovalCardView } from "./ApprovalCard";
import { BulkVoteBar } from "./BulkVoteBar";
import { NotifyToggle } from "./NotifyToggle";
import { useNow } from "./time-left";

/** How long an expired card stays (greyed, saying "expired") before it leaves the queue. */
const EXPIRED_LINGER_MS = 5_000;

export function ApprovalsPage() {
  const { tenantId, role } = useTenantAccess();
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  // Shown at once; the URL (shareable, kept on reload) follows.
  const [mine, setMineShown] = useState(search.get("mine") === "1");
  const pending = useQuery(trpc.approvals.pending.queryOptions({ tenantId }));
  const live = useLiveRefresh([trpc.approvals.pending.queryKey()]);
  const now = useNow();
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [lastVote, setLastVote] = useState<string | null>(null);

  const setMine = (on: boolean) => {
    setMineShown(on);
    const params = new URLSearchParams(search.toString());
    if (on) params.set("mine", "1");
    else params.delete("mine");
    router.replace(`${pathname}${params.size > 0 ? `?${params}` : ""}`);
  };

  const all = pending.data?.approvals ?? [];
  const shown = all.filter(
    (a) =>
      Date.parse(a.expiresAt) + EXPIRED_LINGER_MS > now &&
      (!mine || (a.unavailable === null && Date.parse(a.expiresAt) > now)),
  );
  const votable = shown.filter((a) => a.unavailable === null && Date.parse(a.expiresAt) > now);
  const chosen = votable.filter((a) => selected.has(a.id));

  return (
    <>
      <PageHeader
        title="Approvals"
        description="Intents waiting for people. Soonest to expire first. An approval needs its quorum of distinct operators; one deny (with a reason) closes it."
        actions={
          <div className="flex flex-wrap items-center gap-3">
            <NotifyToggle />
            <LiveIndicator status={live} />
          </div>
        }
      />
      {role === "auditor" && (
        <p className="mb-4 rounded-md border border-sky-400/30 bg-sky-400/10 p-2 text-sm text-sky-200">
          You are an auditor in this tenant: you can see the queue but not vote.
        </p>
      )}
      {lastVote && (
        <p
          role="status"
          data-testid="last-vote"
          className="mb-4 break-words rounded-md border border-emerald-400/40 bg-emerald-400/10 p-2 text-sm text-emerald-200"
        >
          {lastVote}
        </p>
      )}
      <div className="mb-4 flex flex-wrap items-center gap-3 text-sm">
        <label className="inline-flex items-center gap-2 text-slate-300">
          <input
            type="checkbox"
            checked={mine}
            onChange={(e) => setMine(e.target.checked)}
            className="h-4 w-4 accent-emerald-500"
          />
          Needs my vote
        </label>
        {role !== "auditor" && votable.length > 0 && (
          <BulkVoteBar
            tenantId={tenantId}
            chosen={chosen}
            allSelected={chosen.length === votable.length}
            onSelectAll={(on) => setSelected(new Set(on ? votable.map((a) => a.id) : []))}
            onDone={() => setSelected(new Set())}
          />
        )}
      </div>
      {pending.isPending ? (
        <Loading label="Loading approvals…" />
      ) : pending.isError ? (
        <ErrorState error={pending.error} retry={() => pending.refetch()} />
      ) : shown.length === 0 ? (
        <EmptyState
          title={mine && all.length > 0 ? "Nothing needs your vote" : "Nothing is waiting for approval"}
        >
          {mine && all.length > 0
            ? "Every pending approval is one you voted on or cannot vote on. Clear “Needs my vote” to see them."
            : "Intents that need people show up here as soon as they are decided."}
        </EmptyState>
      ) : (
        <ul className="grid gap-3 lg:grid-cols-2 2xl:grid-cols-3" aria-label="Pending approvals">
          {shown.map((a) => (
            <ApprovalCardView
              key={a.id}
              tenantId={tenantId}
              approval={a}
              names={pending.data.names}
              now={now}
              auditor={role === "auditor"}
              selected={selected.has(a.id)}
              onVoted={setLastVote}
              onSelect={(on) =>
                setSelected((current) => {
                  const next = new Set(current);
                  if (on) next.add(a.id);
                  else next.delete(a.id);
                  return next;
                })
              }
            />
          ))}
        </ul>
      )}
    </>
  );
}
