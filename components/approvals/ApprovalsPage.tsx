"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { LiveIndicator, useLiveRefresh } from "@/components/decisions/live";
import { useTenantAccess } from "@/components/shell/tenant-access";
import { useTRPC } from "@/components/trpc/client";
import type { VoteResult, VoteUnavailable } from "@/components/trpc/types";
import {
  Badge,
  Button,
  ConfirmWithReason,
  EmptyState,
  ErrorState,
  Loading,
  PageHeader,
  Time,
} from "@/components/ui";

/** What a vote came to, in words: an approved action a kill switch covers is BLOCKED, not queued. */
function voteOutcomeText(result: VoteResult): string {
  const execution = !result.executionId
    ? ""
    : result.executionStatus === "BLOCKED"
      ? `; execution ${result.executionId} BLOCKED by kill switch ${result.blockedBy ?? "(unknown)"}: it will not run`
      : `; execution ${result.executionId} queued`;
  return `Vote recorded. Approval is ${result.status}${execution}.`;
}

/** Why this user cannot vote on an approval, in words. */
const UNAVAILABLE: Record<Exclude<VoteUnavailable, null>, string> = {
  AUDITOR: "Auditors can view approvals but not vote.",
  SELF_APPROVAL: "This is your own intent: someone else must approve it.",
  ALREADY_VOTED: "You have already voted on this approval.",
  ROLE_NOT_ALLOWED: "Your role is not one this approval accepts.",
  APPROVAL_CLOSED: "This approval is already decided.",
  EXPIRED: "This approval has expired.",
  REASON_REQUIRED: "A reason is required.",
};

function timeLeft(seconds: number): string {
  if (seconds <= 0) return "expired";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

/** Counts down locally between refreshes; the server's expiry is what counts. */
function useNow(intervalMs = 1000) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function ApprovalsPage() {
  const { tenantId, role } = useTenantAccess();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const pending = useQuery(trpc.approvals.pending.queryOptions({ tenantId }));
  const live = useLiveRefresh(tenantId, [trpc.approvals.pending.queryKey()]);
  const now = useNow();
  const [denying, setDenying] = useState<string | null>(null);
  /** The approval the last vote was for, so its error shows on its own card. */
  const [votingOn, setVotingOn] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const vote = useMutation(
    trpc.approvals.vote.mutationOptions({
      onSuccess: (result) => {
        setMessage(voteOutcomeText(result));
        setDenying(null);
        void queryClient.invalidateQueries({ queryKey: trpc.approvals.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.decisions.pathKey() });
      },
    }),
  );

  return (
    <>
      <PageHeader
        title="Approvals"
        description="Intents waiting for people. Soonest to expire first. An approval needs its quorum of distinct operators; one deny (with a reason) closes it."
        actions={<LiveIndicator state={live} />}
      />
      {role === "auditor" && (
        <p className="mb-4 rounded-md border border-sky-400/30 bg-sky-400/10 p-2 text-sm text-sky-200">
          You are an auditor in this tenant: you can see the queue but not vote.
        </p>
      )}
      {message && (
        <p
          role="status"
          className="mb-4 rounded-md border border-emerald-400/40 bg-emerald-400/10 p-2 text-sm text-emerald-200"
        >
          {message}
        </p>
      )}
      {pending.isPending ? (
        <Loading label="Loading approvals…" />
      ) : pending.isError ? (
        <ErrorState error={pending.error} retry={() => pending.refetch()} />
      ) : pending.data.approvals.length === 0 ? (
        <EmptyState title="Nothing is waiting for approval">
          Intents that need people show up here as soon as they are decided.
        </EmptyState>
      ) : (
        <ul className="grid gap-3 lg:grid-cols-2 2xl:grid-cols-3" aria-label="Pending approvals">
          {pending.data.approvals.map((a) => {
            const left = Math.max(0, Math.floor((Date.parse(a.expiresAt) - now) / 1000));
            const canVote = a.unavailable === null && role !== "auditor" && left > 0;
            return (
              <li
                key={a.id}
                data-testid="approval-card"
                className="rounded-xl border border-line bg-surface-raised/70 p-4"
              >
                <div className="flex flex-wrap items-start justify-between gap-2">
                  <div>
                    <p className="font-mono text-sm text-white">
                      {a.action} → {a.target}
                    </p>
                    <p className="text-xs text-slate-400">
                      by {a.actorId} · {a.actionClass} · rule{" "}
                      <span className="font-mono">{a.rule ?? "—"}</span>
                    </p>
                  </div>
                  <Badge tone={left < 300 ? "rose" : "amber"}>
                    <span title={`expires ${a.expiresAt}`}>{timeLeft(left)} left</span>
                  </Badge>
                </div>
                <p className="mt-2 text-sm" data-testid="approval-progress">
                  {a.approvals} of {a.quorum} approvals ({a.roles.join(" or ")})
                </p>
                {a.votes.length > 0 && (
                  <ul className="mt-1 text-xs text-slate-400">
                    {a.votes.map((v) => (
                      <li key={`${v.principal.type}:${v.principal.id}`}>
                        {v.vote} by{" "}
                        {pending.data.names[`${v.principal.type}:${v.principal.id}`] ??
                          `${v.principal.type}:${v.principal.id}`}{" "}
                        ({v.role}) <Time at={v.at} />
                      </li>
                    ))}
                  </ul>
                )}
                <p className="mt-1 text-xs text-slate-500">
                  requested <Time at={a.requestedAt} /> ·{" "}
                  <Link
                    className="text-emerald-300 hover:underline"
                    href={`/t/${encodeURIComponent(tenantId)}/decisions/${a.decisionId}`}
                  >
                    decision
                  </Link>
                </p>
                {vote.error && votingOn === a.id && !denying && (
                  <div className="mt-3">
                    <ErrorState error={vote.error} />
                  </div>
                )}
                <div className="mt-3 flex flex-wrap items-center gap-2">
                  {canVote ? (
                    <>
                      <Button
                        tone="primary"
                        disabled={vote.isPending}
                        onClick={() => {
                          setVotingOn(a.id);
                          vote.mutate({ tenantId, approvalId: a.id, vote: "approve" });
                        }}
                        aria-label={`Approve ${a.action} on ${a.target}`}
                      >
                        Approve
                      </Button>
                      <Button
                        tone="danger"
                        disabled={vote.isPending}
                        onClick={() => setDenying(a.id)}
                        aria-label={`Deny ${a.action} on ${a.target}`}
                      >
                        Deny…
                      </Button>
                    </>
                  ) : (
                    <p className="text-sm text-slate-400" data-testid="vote-unavailable">
                      {left === 0 && a.unavailable === null
                        ? UNAVAILABLE.EXPIRED
                        : UNAVAILABLE[a.unavailable ?? "AUDITOR"]}
                    </p>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <ConfirmWithReason
        open={denying !== null}
        title="Deny this action"
        description="A deny closes the approval at once: the action will not run."
        confirmLabel="Deny"
        pending={vote.isPending}
        error={denying ? vote.error : null}
        onCancel={() => {
          setDenying(null);
          vote.reset();
        }}
        onConfirm={(reason) =>
          denying && vote.mutate({ tenantId, approvalId: denying, vote: "deny", reason })
        }
      />
    </>
  );
}
