import Link from "next/link";
import type { ReactNode } from "react";
import type { DecisionDetailData } from "@/components/trpc/types";
import { PageHeader, Time } from "@/components/ui";
import { type Verdict, VerdictBadge } from "@/components/VerdictBadge";
import { outcomeHeadline, whySentence } from "./explain";
import { explainInput } from "./explain-input";

/** Breadcrumb and heading of a decision: what was asked, the verdict and why, when and under which policy. */
export function DecisionSummary({
  tenantId,
  decisionId,
  decision: d,
  actions,
}: {
  tenantId: string;
  decisionId: string;
  decision: DecisionDetailData;
  actions: ReactNode;
}) {
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-400">
        <Link className="hover:underline" href={`/t/${encodeURIComponent(tenantId)}/decisions`}>
          Decisions
        </Link>{" "}
        / <span className="font-mono">{decisionId}</span>
      </nav>
      <PageHeader
        title={`${d.intent.action} → ${d.intent.target}`}
        subtitle={
          <>
            <span className="block text-base font-medium text-slate-100" data-testid="decision-outcome">
              {outcomeHeadline(explainInput(d))}
            </span>
            <span className="block text-sm text-slate-300" data-testid="decision-why">
              {whySentence(explainInput(d))}
            </span>
          </>
        }
        description={
          <span className="flex flex-wrap items-center gap-2">
            <VerdictBadge verdict={d.verdict as Verdict} />
            <span className="font-mono text-xs" data-testid="decision-reason">
              {d.reason}
            </span>
            <span>
              decided <Time at={d.evaluatedAt} /> under policy{" "}
              {d.policyVersion ? (
                <Link
                  className="text-emerald-300 hover:underline"
                  href={`/t/${encodeURIComponent(tenantId)}/policies#version-${d.policyVersion}`}
                >
                  v{d.policyVersion}
                </Link>
              ) : (
                "(none)"
              )}
            </span>
          </span>
        }
        actions={actions}
      />
    </>
  );
}
