import { Code } from "./Code";
import { type Verdict, VerdictBadge } from "./VerdictBadge";

type Outcome = { when: string; verdict: Verdict; reason: string };
type Stage = { name: string; summary: string; outcomes: Outcome[] };

/** The order in which `decide` checks an intent (DESIGN.md, "The decision function"). First match wins. */
const stages: Stage[] = [
  {
    name: "Tenant",
    summary: "The intent must belong to a known, active tenant.",
    outcomes: [
      { when: "tenant missing or unknown", verdict: "DENY", reason: "TENANT_UNKNOWN" },
      { when: "tenant suspended", verdict: "DENY", reason: "TENANT_SUSPENDED" },
    ],
  },
  {
    name: "Kill switches",
    summary: "Global, then tenant, then action. If their state cannot be read, they count as engaged.",
    outcomes: [
      { when: "global switch engaged", verdict: "DENY", reason: "KILL_SWITCH_GLOBAL" },
      { when: "tenant switch engaged", verdict: "DENY", reason: "KILL_SWITCH_TENANT" },
      { when: "action switch engaged", verdict: "DENY", reason: "KILL_SWITCH_ACTION" },
    ],
  },
  {
    name: "Expiry",
    summary: "An intent is only valid for its time-to-live.",
    outcomes: [{ when: "evaluatedAt > requestedAt + ttlSeconds", verdict: "DENY", reason: "INTENT_EXPIRED" }],
  },
  {
    name: "Policy",
    summary: "Every matching rule is listed; the strictest effect decides. No match fails closed.",
    outcomes: [
      { when: "any matching deny rule", verdict: "DENY", reason: "POLICY_DENY" },
      {
        when: "else any require_approval rule (largest quorum)",
        verdict: "REQUIRE_APPROVAL",
        reason: "POLICY_REQUIRE_APPROVAL",
      },
      { when: "else any allow rule", verdict: "ALLOW", reason: "POLICY_ALLOW" },
      { when: "no rule matches", verdict: "DENY", reason: "POLICY_NO_MATCH" },
    ],
  },
];

export function Precedence() {
  return (
    <ol className="space-y-4">
      {stages.map((stage, index) => (
        <li
          key={stage.name}
          className="grid grid-cols-1 gap-5 rounded-xl border border-line bg-surface-raised/70 p-5 sm:p-6 xl:grid-cols-[minmax(0,18rem)_1fr] xl:gap-10"
        >
          <div>
            <div className="flex items-center gap-3">
              <span
                aria-hidden="true"
                className="flex h-8 w-8 shrink-0 items-center justify-center rounded-full border border-emerald-400/40 bg-emerald-400/10 font-mono text-sm text-emerald-300"
              >
                {index + 1}
              </span>
              <h3 className="text-lg font-semibold text-white">
                <span className="sr-only">Step {index + 1}: </span>
                {stage.name}
              </h3>
            </div>
            <p className="mt-3 text-sm leading-6 text-slate-300">{stage.summary}</p>
          </div>
          <ul className="divide-y divide-line border-t border-line xl:border-t-0 xl:border-l xl:pl-10">
            {stage.outcomes.map((outcome) => (
              <li
                key={outcome.reason}
                className="grid grid-cols-1 gap-2 py-3 text-sm sm:grid-cols-[minmax(0,1fr)_9.5rem_12.5rem] sm:items-center sm:gap-4 xl:first:pt-0 xl:last:pb-0 last:pb-0"
              >
                <span className="text-slate-300">{outcome.when}</span>
                <span className="flex flex-wrap items-center gap-2 sm:contents">
                  <span>
                    <VerdictBadge verdict={outcome.verdict} />
                  </span>
                  <span>
                    <Code>{outcome.reason}</Code>
                  </span>
                </span>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}
