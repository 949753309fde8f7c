import type { DecisionDetailData } from "@/components/trpc/types";
import { Badge, Card, Cell, Row, Table, Time } from "@/components/ui";

/** Who had to approve, how far the quorum got, and each vote. */
export function ApprovalSection({ decision: d }: { decision: DecisionDetailData }) {
  return (
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
            <Table density="compact" label="Votes" columns={["Who", "Role", "Vote", "Reason", "At"]}>
              {d.approval.votes.map((v) => (
                <Row key={`${v.principal.type}:${v.principal.id}`}>
                  <Cell className="font-mono text-xs">
                    {d.names[`${v.principal.type}:${v.principal.id}`] ??
                      `${v.principal.type}:${v.principal.id}`}
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
        </>
      )}
    </Card>
  );
}
