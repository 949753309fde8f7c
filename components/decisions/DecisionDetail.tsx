"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTenantAccess } from "@/components/shell/tenant-access";
import { useTRPC, useTRPCClient } from "@/components/trpc/client";
import { Badge, Button, Card, ErrorState, Loading, PageHeader, Time } from "@/components/ui";
import { type Verdict, VerdictBadge } from "@/components/VerdictBadge";
import { useLiveRefresh } from "./live";

const effectTone = { allow: "emerald", deny: "rose", require_approval: "amber" } as const;

/** One decision, everything about it: what was asked, why the verdict, who voted, what ran, where in the chain. */
export function DecisionDetail({ decisionId }: { decisionId: string }) {
  const { tenantId } = useTenantAccess();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const input = { tenantId, decisionId };
  const decision = useQuery(trpc.decisions.get.queryOptions(input));
  useLiveRefresh(tenantId, [trpc.decisions.get.queryKey(input)]);
  const replay = useMutation(trpc.decisions.replay.mutationOptions());
  const [downloading, setDownloading] = useState<string | null>(null);

  if (decision.isPending) return <Loading label="Loading decision…" />;
  if (decision.isError) return <ErrorState error={decision.error} retry={() => decision.refetch()} />;
  const d = decision.data;

  const download = async () => {
    setDownloading("Preparing…");
    try {
      const bundle = await client.decisions.evidence.query(input);
      const url = URL.createObjectURL(
        new Blob([`${JSON.stringify(bundle, null, 2)}\n`], { type: "application/json" }),
      );
      const a = document.createElement("a");
      a.href = url;
      a.download = `evidence-${decisionId}.json`;
      a.click();
      // Some browsers start the download after click() returns: free the blob a little later.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setDownloading(null);
    } catch (error) {
      setDownloading(`Download failed: ${(error as Error).message}`);
    }
  };

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
        description={
          <span className="flex flex-wrap items-center gap-2">
            <VerdictBadge verdict={d.verdict as Verdict} />
            <span className="font-mono text-xs" data-testid="decision-reason">
              {d.reason}
            </span>
            <span>
              decided <Time at={d.evaluatedAt} /> under policy{" "}
              {d.policyVersion ? `v${d.policyVersion}` : "(none)"}
            </span>
          </span>
        }
        actions={
          <div className="flex gap-2">
            <Button onClick={download} disabled={downloading === "Preparing…"}>
              Download evidence
            </Button>
            <Button tone="primary" onClick={() => replay.mutate(input)} disabled={replay.isPending}>
              {replay.isPending ? "Replaying…" : "Replay now"}
            </Button>
          </div>
        }
      />
      {downloading && downloading !== "Preparing…" && (
        <p role="alert" className="mb-4 text-sm text-rose-300">
          {downloading}
        </p>
      )}

      {(replay.data || replay.error) && (
        <div className="mb-4" data-testid="replay-now-result">
          {replay.error ? (
            <ErrorState error={replay.error} />
          ) : replay.data?.same ? (
            <p
              role="status"
              className="rounded-lg border border-emerald-400/40 bg-emerald-400/10 p-3 text-sm text-emerald-200"
            >
              Replay reproduced the recorded decision exactly: {replay.data.replayed.verdict} (
              {replay.data.replayed.reason}), engine {replay.data.replayed.engineVersion}.
            </p>
          ) : (
            <div
              role="alert"
              className="rounded-lg border border-rose-400/40 bg-rose-400/10 p-3 text-sm text-rose-200"
            >
              <p className="font-semibold">Replay differs from the record</p>
              <DiffTable rows={replay.data?.differences ?? []} />
            </div>
          )}
        </div>
      )}

      <div className="grid gap-4 xl:grid-cols-2">
        <Card title="Rule trail">
          <p className="mb-2 text-sm text-slate-400">
            Deciding rule:{" "}
            <span className="font-mono text-slate-100" data-testid="deciding-rule">
              {d.decidingRule ?? "none"}
            </span>
            {d.killSwitch && (
              <>
                {" "}
                · kill switch <span className="font-mono text-rose-300">{d.killSwitch}</span>
              </>
            )}
          </p>
          {d.matchedRules.length === 0 ? (
            <p className="text-sm text-slate-400">No rule matched this intent.</p>
          ) : (
            <ol className="flex flex-col gap-1 text-sm">
              {d.matchedRules.map((r, i) => (
                <li key={r.id} className="flex items-center gap-2">
                  <span className="w-6 text-right text-slate-500">{i + 1}.</span>
                  <span className="font-mono">{r.id}</span>
                  <Badge tone={effectTone[r.effect]}>{r.effect}</Badge>
                  {r.id === d.decidingRule && <Badge tone="sky">decided</Badge>}
                </li>
              ))}
            </ol>
          )}
        </Card>

        <Card title="Intent">
          <pre className="max-h-80 overflow-auto rounded-md bg-surface p-3 font-mono text-xs text-slate-300">
            {JSON.stringify(d.intent, null, 2)}
          </pre>
        </Card>

        <Card title="Approval">
          {!d.approval ? (
            <p className="text-sm text-slate-400">This decision needed no approval.</p>
          ) : (
            <>
              <p className="mb-2 text-sm">
                <Badge
                  tone={
                    d.approval.status === "APPROVED"
                      ? "emerald"
                      : d.approval.status === "PENDING"
                        ? "amber"
                        : "rose"
                  }
                >
                  {d.approval.status}
                </Badge>{" "}
                {d.approval.approvals} of {d.approval.quorum} approvals from {d.approval.roles.join(" or ")} ·
                expires <Time at={d.approval.expiresAt} />
              </p>
              {d.approval.votes.length === 0 ? (
                <p className="text-sm text-slate-400">No votes yet.</p>
              ) : (
                <table className="w-full text-left text-sm" aria-label="Votes">
                  <thead className="text-xs text-slate-400">
                    <tr>
                      <th className="py-1">Who</th>
                      <th>Role</th>
                      <th>Vote</th>
                      <th>Reason</th>
                      <th>At</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.approval.votes.map((v) => (
                      <tr key={`${v.principal.type}:${v.principal.id}`} className="border-t border-line">
                        <td className="py-1 font-mono text-xs">
                          {d.names[`${v.principal.type}:${v.principal.id}`] ??
                            `${v.principal.type}:${v.principal.id}`}
                        </td>
                        <td>{v.role}</td>
                        <td>
                          <Badge tone={v.vote === "approve" ? "emerald" : "rose"}>{v.vote}</Badge>
                        </td>
                        <td className="text-slate-300">{v.reason ?? "—"}</td>
                        <td>
                          <Time at={v.at} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
        </Card>

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
                      : d.execution.status === "FAILED" || d.execution.status === "BLOCKED"
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
            </>
          )}
        </Card>

        <Card title="Chain position" className="xl:col-span-2">
          <table className="w-full text-left text-sm" aria-label="Chain events">
            <thead className="text-xs text-slate-400">
              <tr>
                <th className="py-1">Seq</th>
                <th>Event</th>
                <th>At</th>
                <th>Hash</th>
                <th>Stream</th>
              </tr>
            </thead>
            <tbody>
              {d.chain.map((e) => (
                <tr key={e.seq} className="border-t border-line">
                  <td className="py-1 font-mono">{e.seq}</td>
                  <td className="font-mono">{e.type}</td>
                  <td>
                    <Time at={e.at} />
                  </td>
                  <td className="font-mono text-xs text-slate-400" title={e.hash}>
                    {e.hash.slice(0, 16)}…
                  </td>
                  <td>{e.published ? <Badge tone="emerald">published</Badge> : <Badge>outbox</Badge>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="mt-2 text-xs text-slate-500">
            Input hash <span className="font-mono">{d.inputHash}</span> · output hash{" "}
            <span className="font-mono">{d.outputHash}</span>
          </p>
        </Card>
      </div>
    </>
  );
}

export function DiffTable({ rows }: { rows: { path: string; expected?: unknown; actual?: unknown }[] }) {
  return (
    <table className="mt-2 w-full text-left font-mono text-xs">
      <thead>
        <tr>
          <th>Path</th>
          <th>Recorded</th>
          <th>Replayed</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.path}>
            <td>{r.path}</td>
            <td>{JSON.stringify(r.expected)}</td>
            <td>{JSON.stringify(r.actual)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
