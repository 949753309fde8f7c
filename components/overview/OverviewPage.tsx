"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { LiveIndicator, useLiveRefresh } from "@/components/decisions/live";
import { useTenantAccess } from "@/components/shell/tenant-access";
import { useTRPC } from "@/components/trpc/client";
import type { OverviewData } from "@/components/trpc/types";
import { Badge, Card, ErrorState, Loading, PageHeader, Time } from "@/components/ui";
import { VerdictChart } from "./VerdictChart";

/** A tenant at a glance: decisions over two weeks by verdict, and what needs a person now. */
export function OverviewPage() {
  const { tenantId } = useTenantAccess();
  const trpc = useTRPC();
  const overview = useQuery(trpc.overview.get.queryOptions({ tenantId }));
  const live = useLiveRefresh([trpc.overview.get.queryKey()]);
  const base = `/t/${encodeURIComponent(tenantId)}`;

  return (
    <>
      <PageHeader
        title="Overview"
        description="Decisions of the last 14 days by verdict, and what needs attention now."
        actions={<LiveIndicator status={live} />}
      />
      {overview.isPending ? (
        <Loading />
      ) : overview.error ? (
        <ErrorState error={overview.error} retry={() => void overview.refetch()} />
      ) : (
        <OverviewBody data={overview.data} base={base} />
      )}
    </>
  );
}

function Stat({
  label,
  value,
  testId,
  href,
  tone,
}: {
  label: string;
  value: number | string;
  testId: string;
  href?: string;
  tone?: "warn" | "bad" | "ok";
}) {
  const color =
    tone === "bad"
      ? "text-rose-300"
      : tone === "warn"
        ? "text-amber-200"
        : tone === "ok"
          ? "text-emerald-300"
          : "text-white";
  const body = (
    <>
      <span className="text-xs text-slate-400">{label}</span>
      <span data-testid={testId} className={`font-mono text-2xl font-semibold tabular-nums ${color}`}>
        {value}
      </span>
    </>
  );
  const look = "flex min-w-0 flex-col gap-1 rounded-xl border border-line bg-surface-raised/70 p-4";
  return href ? (
    <Link href={href} className={`${look} hover:border-slate-500`}>
      {body}
    </Link>
  ) : (
    <div className={look}>{body}</div>
  );
}

function OverviewBody({ data, base }: { data: OverviewData; base: string }) {
  const total = data.totals.ALLOW + data.totals.DENY + data.totals.REQUIRE_APPROVAL;
  return (
    <div className="flex flex-col gap-4">
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
        <Stat
          label="Decisions (14 days)"
          value={total}
          testId="overview-decisions"
          href={`${base}/decisions`}
        />
        <Stat
          label="Pending approvals"
          value={data.pendingApprovals}
          testId="overview-pending"
          href={`${base}/approvals`}
          tone={data.pendingApprovals > 0 ? "warn" : undefined}
        />
        <Stat
          label="Engaged switches"
          value={data.engagedSwitches.length}
          testId="overview-switches"
          href={`${base}/kill-switches`}
          tone={data.engagedSwitches.length > 0 ? "bad" : "ok"}
        />
        <Stat
          label="Failed executions (14 days)"
          value={data.failedExecutions.count}
          testId="overview-failed"
          tone={data.failedExecutions.count > 0 ? "bad" : undefined}
        />
      </div>

      <Card title="Decisions per day by verdict">
        <VerdictChart days={data.days} />
        <p className="mt-2 text-xs text-slate-400">
          ALLOW{" "}
          <span className="font-mono text-slate-200" data-testid="overview-total-ALLOW">
            {data.totals.ALLOW}
          </span>{" "}
          · DENY{" "}
          <span className="font-mono text-slate-200" data-testid="overview-total-DENY">
            {data.totals.DENY}
          </span>{" "}
          · REQUIRE_APPROVAL{" "}
          <span className="font-mono text-slate-200" data-testid="overview-total-REQUIRE_APPROVAL">
            {data.totals.REQUIRE_APPROVAL}
          </span>
        </p>
      </Card>

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <Card title="Engaged kill switches">
          {data.engagedSwitches.length === 0 ? (
            <p className="text-sm text-slate-400">None: actions run as the policy says.</p>
          ) : (
            <ul className="flex flex-col gap-2 text-sm">
              {data.engagedSwitches.map((s) => (
                <li key={s.id} className="min-w-0 break-words">
                  <Badge tone="rose">{s.scope}</Badge>{" "}
                  {s.action && <span className="font-mono">{s.action} </span>}
                  <span className="text-slate-300">“{s.reason}”</span>{" "}
                  <span className="text-xs text-slate-400">
                    by {s.engagedBy}, since <Time at={s.since} />
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card title="Failed executions">
          {data.failedExecutions.recent.length === 0 ? (
            <p className="text-sm text-slate-400">No execution has failed.</p>
          ) : (
            <ul className="flex flex-col gap-2 text-sm">
              {data.failedExecutions.recent.map((e) => (
                <li key={e.id} className="min-w-0 break-words">
                  <Link
                    className="font-mono text-emerald-300 hover:underline"
                    href={`${base}/decisions/${e.decisionId}`}
                  >
                    {e.action}
                  </Link>{" "}
                  <Badge tone="rose">{e.failureClass ?? "FAILED"}</Badge>{" "}
                  <span className="text-xs text-slate-400">
                    after {e.attempts} {e.attempts === 1 ? "attempt" : "attempts"}, <Time at={e.at} />
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card title="Event stream">
          <dl className="grid grid-cols-2 gap-x-3 gap-y-1 text-sm">
            <dt className="text-slate-400">State</dt>
            <dd data-testid="overview-stream-state">
              {data.stream.state === "ok" ? (
                <Badge tone="emerald">streaming</Badge>
              ) : (
                <Badge tone="amber">behind by {data.stream.lagSeconds} s</Badge>
              )}
            </dd>
            <dt className="text-slate-400">Chain head</dt>
            <dd className="font-mono">
              <Link className="text-emerald-300 hover:underline" href={`${base}/audit`}>
                seq {data.stream.headSeq}
              </Link>
            </dd>
            <dt className="text-slate-400">Not yet published</dt>
            <dd className="font-mono" data-testid="overview-unpublished">
              {data.stream.unpublished}
            </dd>
          </dl>
        </Card>
      </div>
    </div>
  );
}
