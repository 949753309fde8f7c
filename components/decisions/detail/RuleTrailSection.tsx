import type { DecisionDetailData } from "@/components/trpc/types";
import { Badge, Card } from "@/components/ui";

const effectTone = { allow: "emerald", deny: "rose", require_approval: "amber" } as const;

/** Why the verdict: the deciding rule (or kill switch) and every rule that matched, in order. */
export function RuleTrailSection({ decision: d }: { decision: DecisionDetailData }) {
  return (
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
  );
}
