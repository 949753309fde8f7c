"use client";

import { useState } from "react";
import { secondsUntil, timeLeft, useNow } from "@/components/approvals/time-left";
import { VoteControls } from "@/components/approvals/VoteControls";
import type { DecisionDetailData } from "@/components/trpc/types";
import { Badge, Card, Cell, Row, Table, Time } from "@/components/ui";

/** Who had to approve, how far the quorum got, each vote — and, while it is pending, the vote itself. */
export function ApprovalSection({
  tenantId,
  decision: d,
}: {
  tenantId: string;
  decision: DecisionDetailData;
}) {
  const now = useNow();
  // A vote that closes the approval takes the vote controls away (the page refreshes at once, and
  // the execution may already have run): what it came to stays said here.
  const [closedBy, setClosedBy] = useState<string | null>(null);
  if (!d.approval)
    return (
      <Card title="Approval">
        <p className="text-sm text-slate-400">This decision needed no approval.</p>
      </Card>
    );
  const a = d.approval;
  const left = secondsUntil(a.expiresAt, now);
  const pending = a.status === "PENDING";
  return (
    <Card title="Approval">
      <p className="mb-2 text-sm">
        <Badge tone={a.status === "APPROVED" ? "emerald" : pending ? "amber" : "rose"}>{a.status}</Badge>{" "}
        {a.approvals} of {a.quorum} approvals from {a.roles.join(" or ")} · expires <Time at={a.expiresAt} />
        {pending && (
          <>
            {" "}
            ·{" "}
            <span
              data-testid="approval-countdown"
              className={left < 300 ? "text-rose-300" : "text-amber-200"}
            >
              {timeLeft(left)}
            </span>
          </>
        )}
      </p>
      {closedBy && (
        <p role="status" data-testid="vote-feedback" className="mb-2 text-sm text-emerald-200">
          {closedBy}
        </p>
      )}
      {pending && d.blockedBy && (
        <p className="mb-2 rounded-md bg-rose-500/15 px-2 py-1 text-sm text-rose-200">
          Kill switch {d.blockedBy.id} is engaged: approving now would only block it.
        </p>
      )}
      {pending && (
        <div className="mb-3">
          <VoteControls
            tenantId={tenantId}
            approvalId={a.id}
            action={d.intent.action}
            target={d.intent.target}
            unavailable={d.voteUnavailable}
            expired={left === 0}
            blockedBy={d.blockedBy}
            onVoted={setClosedBy}
          />
        </div>
      )}
      {a.votes.length === 0 ? (
        <p className="text-sm text-slate-400">No votes yet.</p>
      ) : (
        <Table density="compact" label="Votes" columns={["Who", "Role", "Vote", "Reason", "At"]}>
          {a.votes.map((v) => (
            <Row key={`${v.principal.type}:${v.principal.id}`}>
              <Cell className="font-mono text-xs">
                {d.names[`${v.principal.type}:${v.principal.id}`] ?? `${v.principal.type}:${v.principal.id}`}
              </Cell>
              <Cell>{v.role}</Cell>
              <Cell>
                <Badge tone={v.vote === "approve" ? "emerald" : "rose"}>{v.vote}</Badge>
              </Cell>
              <Cell className="text-slate-300">{v.reason ?? "—"}</Cell>
              <Cell>
                <Time at={v.at} />
              </Cell>
            </Row>
          ))}
        </Table>
      )}
    </Card>
  );
}
