type Step = { title: string; body: string };

/** The life of an action intent, from submission to a single execution. */
const steps: Step[] = [
  {
    title: "Submit an intent",
    body: "Scripts, SOAR playbooks and AI agents do not act directly. They submit an action intent — “isolate host web-7 for tenant acme” — with an idempotency key.",
  },
  {
    title: "Decide deterministically",
    body: "A pure function weighs the intent against the tenant, kill switches, expiry and the active policy version. Same input, same verdict, on any machine.",
  },
  {
    title: "Record signed evidence",
    body: "The decision is stored with its full input in an Ed25519-signed evidence bundle, linked into a per-tenant hash chain that makes history tamper-evident.",
  },
  {
    title: "Execute exactly once",
    body: "Allowed (or approved) actions are dispatched once through an executor, with capped, deterministic retries. A kill switch engaged after approval still blocks.",
  },
];

export function FlowSteps() {
  return (
    <ol className="grid grid-cols-1 gap-4 sm:grid-cols-2 xl:grid-cols-4">
      {steps.map((step, index) => (
        <li key={step.title} className="relative rounded-xl border border-line bg-surface-raised/70 p-5">
          <p aria-hidden="true" className="font-mono text-xs text-emerald-400">
            {String(index + 1).padStart(2, "0")}
          </p>
          <h3 className="mt-2 text-base font-semibold text-white">{step.title}</h3>
          <p className="mt-2 text-sm leading-6 text-slate-300">{step.body}</p>
        </li>
      ))}
    </ol>
  );
}
