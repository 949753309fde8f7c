/** What ExoArmur is responsible for, and what it deliberately leaves to other tools. */
const is = [
  "A gate in front of automation: every action passes through it before it happens",
  "A deterministic judge: ALLOW, DENY or REQUIRE_APPROVAL, with the rule trail that decided",
  "A notary: signed, replayable evidence that an auditor can check without trusting the server",
  "A careful dispatcher: one idempotency key, at most one effect",
];

const isNot = [
  "An agent — it never decides what to do, only whether an action may happen",
  "An orchestrator — it does not plan or sequence workflows",
  "A SIEM — it does not collect, correlate or alert on security telemetry",
];

export function Boundaries() {
  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
      <div className="rounded-xl border border-emerald-400/25 bg-emerald-400/[0.04] p-6">
        <h3 className="text-lg font-semibold text-emerald-300">ExoArmur is</h3>
        <ul className="mt-4 space-y-3 text-sm leading-6 text-slate-200">
          {is.map((item) => (
            <li key={item} className="flex gap-3">
              <span aria-hidden="true" className="text-emerald-400">
                ✓
              </span>
              <span>{item}</span>
            </li>
          ))}
        </ul>
      </div>
      <div className="rounded-xl border border-rose-400/25 bg-rose-400/[0.04] p-6">
        <h3 className="text-lg font-semibold text-rose-300">ExoArmur is not</h3>
        <ul className="mt-4 space-y-3 text-sm leading-6 text-slate-200">
          {isNot.map((item) => (
            <li key={item} className="flex gap-3">
              <span aria-hidden="true" className="text-rose-400">
                ✕
              </span>
              <span>{item}</span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
