import type { DecisionDetailData } from "@/components/trpc/types";
import { Badge, Card } from "@/components/ui";
import { overriddenBy } from "./explain";
import { explainInput } from "./explain-input";

const effectTone = { allow: "emerald", deny: "rose", require_approval: "amber" } as const;

/** Why the verdict: every rule that matched, as written, which one decided and which were overridden. */
export function RuleTrailSection({ decision: d }: { decision: DecisionDetailData }) {
  const overridden = overriddenBy(explainInput(d));
  const written = new Map(d.matchedRuleDetails.map((r) => [r.id, r]));
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
        <ol className="flex flex-col gap-2 text-sm">
          {d.matchedRules.map((r, i) => {
            const rule = written.get(r.id);
            return (
              <li key={r.id} data-testid="matched-rule" className="flex gap-2">
                <span className="w-6 shrink-0 text-right text-slate-400">{i + 1}.</span>
                <div className="min-w-0">
                  <div className="flex flex-wrap items-center gap-2">
                    <span className="font-mono">{r.id}</span>
                    <Badge tone={effectTone[r.effect]}>{r.effect}</Badge>
                    {r.id === d.decidingRule && <Badge tone="sky">decided</Badge>}
                    {overridden.has(r.id) && <Badge tone="slate">overridden by {overridden.get(r.id)}</Badge>}
                  </div>
                  {rule?.description && <p className="text-slate-300">{rule.description}</p>}
                  <p className="break-all font-mono text-xs text-slate-400">
                    matches{" "}
                    {rule?.match && Object.keys(rule.match).length > 0
                      ? JSON.stringify(rule.match)
                      : "anything"}
                    {rule?.approval &&
                      ` · quorum ${rule.approval.quorum} of ${rule.approval.roles.join(" or ")}`}
                  </p>
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </Card>
  );
}
