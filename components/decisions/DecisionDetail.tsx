"use client";

import { useQuery } from "@tanstack/react-query";
import { useTenantAccess } from "@/components/shell/tenant-access";
import { useTRPC } from "@/components/trpc/client";
import { ErrorState, Loading } from "@/components/ui";
import { ApprovalSection } from "./detail/ApprovalSection";
import { ChainSection } from "./detail/ChainSection";
import { DecisionSummary } from "./detail/DecisionSummary";
import { EvidenceReplayActions, EvidenceReplayOutcome, useEvidenceReplay } from "./detail/EvidenceReplay";
import { ExecutionSection } from "./detail/ExecutionSection";
import { IntentSection } from "./detail/IntentSection";
import { RuleTrailSection } from "./detail/RuleTrailSection";
import { useLiveRefresh } from "./live";

/** One decision, everything about it: what was asked, why the verdict, who voted, what ran, where in the chain. */
export function DecisionDetail({ decisionId }: { decisionId: string }) {
  const { tenantId } = useTenantAccess();
  const trpc = useTRPC();
  const input = { tenantId, decisionId };
  const decision = useQuery(trpc.decisions.get.queryOptions(input));
  useLiveRefresh([trpc.decisions.get.queryKey(input)]);
  const evidence = useEvidenceReplay(input);

  if (decision.isPending) return <Loading label="Loading decision…" />;
  if (decision.isError) return <ErrorState error={decision.error} retry={() => decision.refetch()} />;
  const d = decision.data;

  return (
    <>
      <DecisionSummary
        tenantId={tenantId}
        decisionId={decisionId}
        decision={d}
        actions={
          <EvidenceReplayActions
            state={evidence}
            verifyHref={`/t/${encodeURIComponent(tenantId)}/verify?decision=${encodeURIComponent(decisionId)}`}
          />
        }
      />
      <EvidenceReplayOutcome state={evidence} />
      <div className="grid gap-4 xl:grid-cols-2 [&>*]:min-w-0">
        <RuleTrailSection decision={d} />
        <IntentSection intent={d.intent} />
        <ApprovalSection tenantId={tenantId} decision={d} />
        <ExecutionSection decision={d} />
        <ChainSection decision={d} />
      </div>
    </>
  );
}
