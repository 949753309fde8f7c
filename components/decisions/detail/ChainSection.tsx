import type { DecisionDetailData } from "@/components/trpc/types";
import { Badge, Card, Cell, Row, Table, Time } from "@/components/ui";

/** Where the decision sits in the tenant's hash chain: its events, their hashes, whether published. */
export function ChainSection({ decision: d }: { decision: DecisionDetailData }) {
  return (
    <Card title="Chain position" className="xl:col-span-2">
      <Table density="compact" label="Chain events" columns={["Seq", "Event", "At", "Hash", "Stream"]}>
        {d.chain.map((e) => (
          <Row key={e.seq}>
            <Cell className="font-mono">{e.seq}</Cell>
            <Cell className="font-mono">{e.type}</Cell>
            <Cell>
              <Time at={e.at} />
            </Cell>
            <Cell className="font-mono text-xs text-slate-400" title={e.hash}>
              {e.hash.slice(0, 16)}…
            </Cell>
            <Cell>{e.published ? <Badge tone="emerald">published</Badge> : <Badge>outbox</Badge>}</Cell>
          </Row>
        ))}
      </Table>
      <p className="mt-2 break-all text-xs text-slate-500">
        Input hash <span className="font-mono">{d.inputHash}</span> · output hash{" "}
        <span className="font-mono">{d.outputHash}</span>
      </p>
    </Card>
  );
}
