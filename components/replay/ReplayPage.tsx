"use client";

import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { ReplayForm } from "@/components/replay/ReplayForm";
import { ReplayResult } from "@/components/replay/ReplayResult";
import { useReplay } from "@/components/replay/use-replay";
import { useTenantAccess } from "@/components/shell/tenant-access";
import { useTRPC } from "@/components/trpc/client";
import { Card, ErrorState, Loading, PageHeader } from "@/components/ui";

/** What-if replay: recorded decisions re-evaluated under a past version or a draft, and what would change. */
export function ReplayPage() {
  return (
    <>
      <PageHeader
        title="Replay"
        description="Re-evaluate recorded decisions under another policy — a past version or a draft. Everything else stays as recorded (intent, kill switches, tenant state, clock), so any difference is the policy's alone. Nothing is changed."
      />
      <Suspense fallback={<Loading />}>
        <ReplayWorkspace />
      </Suspense>
    </>
  );
}

function ReplayWorkspace() {
  const { tenantId } = useTenantAccess();
  const trpc = useTRPC();
  const search = useSearchParams();
  const versionParam = Number(search.get("version"));
  const initialVersion = Number.isInteger(versionParam) && versionParam > 0 ? versionParam : null;
  const versions = useQuery(trpc.policies.versions.queryOptions({ tenantId }));
  const replay = useReplay(tenantId);

  if (versions.isPending) return <Loading label="Loading policy versions…" />;
  if (versions.isError) return <ErrorState error={versions.error} retry={() => void versions.refetch()} />;

  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-[minmax(22rem,2fr)_minmax(0,3fr)]">
      <Card title="Candidate and range" className="self-start">
        <ReplayForm
          key={initialVersion ?? "none"}
          data={versions.data}
          initialVersion={initialVersion}
          running={replay.loading}
          onRun={replay.run}
        />
      </Card>
      <Card title="Result" className="min-w-0">
        <div aria-busy={replay.loading}>
          <ReplayResult
            tenantId={tenantId}
            data={replay.data}
            error={replay.error}
            loading={replay.loading}
            onRetry={replay.retry}
            idle="Choose a candidate policy and run the replay to see which recorded decisions would change."
          />
        </div>
      </Card>
    </div>
  );
}
