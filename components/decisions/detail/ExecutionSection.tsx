import type { DecisionDetailData } from "@/components/trpc/types";
import { Badge, Card, ScrollRegion, Time } from "@/components/ui";

/** What ran: the execution's status, its attempts, each execution event and, for the `record` executor, the call it stored. */
export function ExecutionSection({ decision: d }: { decision: DecisionDetailData }) {
  return (
    <Card title="Execution">
      {!d.execution ? (
        <p className="text-sm text-slate-400">
          {d.verdict === "DENY"
            ? "Denied: nothing runs."
            : d.approval
              ? "Runs once the approval is granted."
              : "No execution."}
        </p>
      ) : (
        <>
          <p className="mb-2 text-sm" data-testid="execution-status">
            <Badge
              tone={
                d.execution.status === "SUCCEEDED"
                  ? "emerald"
                  : ["FAILED", "BLOCKED", "UNREPORTED"].includes(d.execution.status)
                    ? "rose"
                    : "amber"
              }
            >
              {d.execution.status}
            </Badge>{" "}
            {d.execution.attempts} attempt{d.execution.attempts === 1 ? "" : "s"}
            {d.execution.failureClass && (
              <>
                {" "}
                · failure class <span className="font-mono">{d.execution.failureClass}</span>
              </>
            )}
          </p>
          {d.execution.mode === "caller" && (
            <p className="mb-2 text-sm text-slate-400" data-testid="caller-execution">
              Performed by its caller, which asks to start it and reports the outcome
              {d.execution.reportDeadline && (
                <>
                  {" "}
                  by <Time at={d.execution.reportDeadline} />
                </>
              )}
              .
              {d.execution.report && (
                <>
                  {" "}
                  Reported <span className="font-mono">{d.execution.report.outcome}</span>
                  {d.execution.report.detail !== undefined && (
                    <>
                      :{" "}
                      <span className="font-mono break-all">{JSON.stringify(d.execution.report.detail)}</span>
                    </>
                  )}
                </>
              )}
            </p>
          )}
          <ol className="flex flex-col gap-1 text-sm" aria-label="Execution events">
            {d.execution.events.map((e) => {
              const p = e.payload as {
                attempt?: number;
                class?: string;
                failureClass?: string;
                status?: number;
                error?: string;
              };
              return (
                <li key={e.seq} className="flex flex-wrap items-center gap-2">
                  <span className="font-mono text-xs text-slate-500">#{e.seq}</span>
                  <span className="font-mono">{e.type.replace("execution.", "")}</span>
                  {p.attempt !== undefined && <span className="text-slate-400">attempt {p.attempt}</span>}
                  {(p.class ?? p.failureClass) && (
                    <Badge tone={p.class === "SUCCESS" ? "emerald" : "rose"}>
                      {p.class ?? p.failureClass}
                    </Badge>
                  )}
                  {p.status !== undefined && <span className="text-slate-400">HTTP {p.status}</span>}
                  {p.error && <span className="text-rose-300">{p.error}</span>}
                  <Time at={e.at} />
                </li>
              );
            })}
          </ol>
          {d.execution.recordedCall && (
            <section className="mt-3">
              <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-400">
                Recorded by the built-in executor <Time at={d.execution.recordedCall.recordedAt} />
              </h3>
              <ScrollRegion label="Recorded call" className="max-h-60 overflow-y-auto rounded-md bg-surface">
                <pre className="whitespace-pre-wrap break-all p-3 font-mono text-xs text-slate-300">
                  {JSON.stringify(d.execution.recordedCall.request, null, 2)}
                </pre>
              </ScrollRegion>
            </section>
          )}
        </>
      )}
    </Card>
  );
}
