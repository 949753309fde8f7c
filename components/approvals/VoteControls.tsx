"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import type { VoteResult, VoteUnavailable } from "@/components/trpc/types";
import { Button, ConfirmWithReason, ErrorState } from "@/components/ui";

/** Why this user cannot vote on an approval, in words. */
export const UNAVAILABLE: Record<Exclude<VoteUnavailable, null>, string> = {
  AUDITOR: "Auditors can view approvals but not vote.",
  SELF_APPROVAL: "This is your own intent: someone else must approve it.",
  ALREADY_VOTED: "You have already voted on this approval.",
  ROLE_NOT_ALLOWED: "Your role is not one this approval accepts.",
  APPROVAL_CLOSED: "This approval is already decided.",
  EXPIRED: "This approval has expired.",
  REASON_REQUIRED: "A reason is required.",
};

/** What a vote came to, in words: an approved action a kill switch covers is BLOCKED, not queued. */
export function voteOutcomeText(result: VoteResult): string {
  const execution = !result.executionId
    ? ""
    : result.executionStatus === "BLOCKED"
      ? `; execution ${result.executionId} BLOCKED by kill switch ${result.blockedBy ?? "(unknown)"}: it will not run`
      : result.executionStatus === "AWAITING_CALLER"
        ? `; execution ${result.executionId} waits for its caller`
        : `; execution ${result.executionId} queued`;
  return `Vote recorded. Approval is ${result.status}${execution}.`;
}

interface Props {
  tenantId: string;
  approvalId: string;
  action: string;
  target: string;
  /** Null when this person may vote now. */
  unavailable: VoteUnavailable;
  expired: boolean;
  /** An engaged switch covering the action: approving now would only end it BLOCKED. */
  blockedBy: { id: string } | null;
  /** Told what a recorded vote came to (a vote that closes the approval takes its card away). */
  onVoted?: (outcome: string) => void;
}

/** Approve, or deny with a reason — naming what is voted on; the outcome shows right here. */
export function VoteControls({
  tenantId,
  approvalId,
  action,
  target,
  unavailable,
  expired,
  blockedBy,
  onVoted,
}: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [denying, setDenying] = useState(false);
  const [feedback, setFeedback] = useState<string | null>(null);
  const vote = useMutation(
    trpc.approvals.vote.mutationOptions({
      onSuccess: (result) => {
        // A vote that closes the approval takes its card away: the page says what came of it then
        // (one status message, not two); otherwise it shows here.
        if (onVoted && result.status !== "PENDING")
          onVoted(`${action} → ${target}: ${voteOutcomeText(result)}`);
        else setFeedback(voteOutcomeText(result));
        setDenying(false);
        for (const key of [trpc.approvals.pathKey(), trpc.decisions.pathKey(), trpc.attention.pathKey()])
          void queryClient.invalidateQueries({ queryKey: key });
      },
    }),
  );
  const what = `${action} → ${target}`;

  const recorded = feedback && (
    <p role="status" data-testid="vote-feedback" className="text-sm text-emerald-200">
      {feedback}
    </p>
  );
  if (expired || unavailable !== null || feedback)
    return (
      <>
        {recorded}
        {(expired || unavailable !== null) && (
          <p className="text-sm text-slate-400" data-testid="vote-unavailable">
            {expired ? UNAVAILABLE.EXPIRED : UNAVAILABLE[unavailable ?? "AUDITOR"]}
          </p>
        )}
      </>
    );
  return (
    <>
      {vote.error && !denying && <ErrorState error={vote.error} />}
      <div className="flex flex-wrap items-center gap-2">
        <Button
          tone="primary"
          disabled={vote.isPending || blockedBy !== null}
          title={blockedBy ? `Kill switch ${blockedBy.id} is engaged: release it first` : undefined}
          onClick={() => vote.mutate({ tenantId, approvalId, vote: "approve" })}
        >
          Approve {what}
        </Button>
        <Button tone="danger" disabled={vote.isPending} onClick={() => setDenying(true)}>
          Deny {what}…
        </Button>
      </div>
      <ConfirmWithReason
        open={denying}
        title={`Deny ${what}?`}
        description="A deny closes the approval at once: the action will not run."
        confirmLabel={`Deny ${what}`}
        pending={vote.isPending}
        error={denying ? vote.error : null}
        onCancel={() => {
          setDenying(false);
          vote.reset();
        }}
        onConfirm={(reason) => vote.mutate({ tenantId, approvalId, vote: "deny", reason })}
      />
    </>
  );
}
