"use client";

import Link from "next/link";
import type { ApprovalCard } from "@/components/trpc/types";
import { Badge, Time } from "@/components/ui";
import { secondsUntil, timeLeft } from "./time-left";
import { VoteControls } from "./VoteControls";

/** Everything needed to judge one pending approval, and the vote on it. */
export function ApprovalCardView({
  tenantId,
  approval: a,
  names,
  now,
  auditor,
  selected,
  onSelect,
  onVoted,
}: {
  tenantId: string;
  approval: ApprovalCard;
  names: Record<string, string>;
  now: number;
  auditor: boolean;
  selected: boolean;
  onSelect: (on: boolean) => void;
  onVoted: (outcome: string) => void;
}) {
  const left = secondsUntil(a.expiresAt, now);
  const expired = left === 0;
  const votable = !auditor && !expired && a.unavailable === null;
  const what = `${a.action} → ${a.target}`;
  const parameters = Object.entries(a.parameters);
  return (
    <li
      data-testid="approval-card"
      data-expired={expired || undefined}
      className={`min-w-0 rounded-xl border border-line bg-surface-raised/70 p-4 ${expired ? "opacity-50 grayscale" : ""}`}
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="flex min-w-0 items-start gap-2">
          {votable && (
            <input
              type="checkbox"
              checked={selected}
              onChange={(e) => onSelect(e.target.checked)}
              aria-label={`Select ${what}`}
              className="mt-1 h-4 w-4 accent-emerald-500"
            />
          )}
          <div className="min-w-0">
            <p className="break-all font-mono text-sm text-white">{what}</p>
            <p className="text-xs text-slate-400">
              {a.actionClass} · actor <span className="break-all">{a.actorId}</span>
            </p>
          </div>
        </div>
        <Badge tone={expired ? "slate" : left < 300 ? "rose" : "amber"}>
          <span title={`expires ${a.expiresAt}`}>{timeLeft(left)}</span>
        </Badge>
      </div>
      {a.blockedBy && (
        <p
          data-testid="approval-blocked"
          className="mt-2 rounded-md bg-rose-500/15 px-2 py-1 text-sm text-rose-200"
        >
          {a.blockedBy.scope === "action" ? a.blockedBy.action : a.blockedBy.scope} kill switch engaged:
          approving now would only block it (“{a.blockedBy.reason}”)
        </p>
      )}
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
        <dt className="text-slate-400">Submitted by</dt>
        <dd className="min-w-0 break-words" data-testid="approval-submitter">
          {a.submitter ? (
            <>
              API key “{a.submitter.keyName}”{a.submitter.forUser ? <> for {a.submitter.forUser}</> : null}
            </>
          ) : (
            "—"
          )}
        </dd>
        <dt className="text-slate-400">Rule</dt>
        <dd className="min-w-0 break-words">
          <span className="font-mono">{a.rule ?? "—"}</span>
          {a.ruleDescription && <span className="text-slate-300"> — {a.ruleDescription}</span>}
        </dd>
        <dt className="text-slate-400">Parameters</dt>
        <dd className="min-w-0" data-testid="approval-parameters">
          {parameters.length === 0 ? (
            <span className="text-slate-500">none</span>
          ) : (
            <ul>
              {parameters.map(([key, value]) => (
                <li key={key} className="break-all font-mono text-xs">
                  <span className="text-slate-400">{key}:</span> {JSON.stringify(value)}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      <p className="mt-2 text-sm" data-testid="approval-progress">
        {a.approvals} of {a.quorum} approvals ({a.roles.join(" or ")})
      </p>
      {a.votes.length > 0 && (
        <ul className="mt-1 text-xs text-slate-400">
          {a.votes.map((v) => (
            <li key={`${v.principal.type}:${v.principal.id}`}>
              {v.vote} by{" "}
              {names[`${v.principal.type}:${v.principal.id}`] ?? `${v.principal.type}:${v.principal.id}`} (
              {v.role}) <Time at={v.at} />
            </li>
          ))}
        </ul>
      )}
      <p className="mt-1 text-xs text-slate-400">
        requested <Time at={a.requestedAt} relative /> ·{" "}
        <Link
          className="text-emerald-300 hover:underline"
          href={`/t/${encodeURIComponent(tenantId)}/decisions/${a.decisionId}`}
        >
          Decision {a.decisionId}
        </Link>
      </p>
      <div className="mt-3">
        <VoteControls
          tenantId={tenantId}
          approvalId={a.id}
          action={a.action}
          target={a.target}
          unavailable={auditor ? "AUDITOR" : a.unavailable}
          expired={expired}
          blockedBy={a.blockedBy}
          onVoted={onVoted}
        />
      </div>
    </li>
  );
}
