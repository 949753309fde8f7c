"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import type { ApprovalCard } from "@/components/trpc/types";
import { Button, ConfirmWithReason } from "@/components/ui";

/** Approve or deny every selected approval with one reason: one vote each, and how each went. */
export function BulkVoteBar({
  tenantId,
  chosen,
  allSelected,
  onSelectAll,
  onDone,
}: {
  tenantId: string;
  chosen: readonly ApprovalCard[];
  allSelected: boolean;
  onSelectAll: (on: boolean) => void;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [asking, setAsking] = useState<"approve" | "deny" | null>(null);
  const [summary, setSummary] = useState<string | null>(null);
  const voteMany = useMutation(
    trpc.approvals.voteMany.mutationOptions({
      onSuccess: ({ results }) => {
        const failed = results.filter((r) => !r.ok);
        setSummary(
          `${results.length - failed.length} of ${results.length} votes recorded${
            failed.length > 0
              ? `; not recorded: ${failed.map((f) => `${f.approvalId} (${f.message})`).join("; ")}`
              : ""
          }.`,
        );
        setAsking(null);
        onDone();
        for (const key of [trpc.approvals.pathKey(), trpc.decisions.pathKey(), trpc.attention.pathKey()])
          void queryClient.invalidateQueries({ queryKey: key });
      },
    }),
  );
  const n = chosen.length;
  return (
    <>
      <label className="inline-flex items-center gap-2 text-slate-300">
        <input
          type="checkbox"
          checked={allSelected && n > 0}
          onChange={(e) => onSelectAll(e.target.checked)}
          className="h-4 w-4 accent-emerald-500"
        />
        Select all I can vote on
      </label>
      <Button tone="primary" disabled={n === 0} onClick={() => setAsking("approve")}>
        Approve selected ({n})
      </Button>
      <Button tone="danger" disabled={n === 0} onClick={() => setAsking("deny")}>
        Deny selected ({n})…
      </Button>
      {summary && (
        <p role="status" data-testid="bulk-vote-summary" className="basis-full text-sm text-emerald-200">
          {summary}
        </p>
      )}
      <ConfirmWithReason
        open={asking !== null}
        title={`${asking === "deny" ? "Deny" : "Approve"} ${n} approval${n === 1 ? "" : "s"}?`}
        description={
          <ul className="list-inside list-disc">
            {chosen.map((a) => (
              <li key={a.id} className="break-all font-mono text-xs">
                {a.action} → {a.target}
              </li>
            ))}
          </ul>
        }
        tone={asking === "deny" ? "danger" : "primary"}
        confirmLabel={`${asking === "deny" ? "Deny" : "Approve"} ${n}`}
        pending={voteMany.isPending}
        error={voteMany.error}
        onCancel={() => {
          setAsking(null);
          voteMany.reset();
        }}
        onConfirm={(reason) =>
          asking && voteMany.mutate({ tenantId, approvalIds: chosen.map((a) => a.id), vote: asking, reason })
        }
      />
    </>
  );
}
