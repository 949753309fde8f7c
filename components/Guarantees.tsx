import type { ReactNode } from "react";
import { ScrollRegion } from "@/components/ui/scroll-region";
import { Code } from "./Code";

type Guarantee = { name: string; meaning: ReactNode };

/** The guarantees table from DESIGN.md: each must hold for the running system and be shown by a test. */
const guarantees: Guarantee[] = [
  {
    name: "Deterministic classification",
    meaning: (
      <>
        <Code>decide(input)</Code> is a pure function: same canonical input → byte-identical output, on any
        machine.
      </>
    ),
  },
  {
    name: "Durable event persistence",
    meaning:
      "Every decision, approval vote, kill-switch change and execution transition is committed to PostgreSQL before it is acknowledged, and streamed to JetStream.",
  },
  {
    name: "Idempotent execution under retries",
    meaning: "One idempotency key → one intent → at most one effect, whatever the client or worker retries.",
  },
  {
    name: "Crash-consistent recovery",
    meaning:
      "kill -9 at any point loses nothing committed and duplicates no effect; work resumes on restart.",
  },
  {
    name: "Explicit safety enforcement",
    meaning:
      "Kill switches (global, tenant, action), approvals (quorum, separation of duties, expiry), tenant isolation.",
  },
  {
    name: "Bounded retries and backpressure",
    meaning: (
      <>
        Attempts and delays are capped; overload is refused early with <Code>429</Code> +{" "}
        <Code>Retry-After</Code>, not queued without bound.
      </>
    ),
  },
  {
    name: "Deterministic failure classification",
    meaning: "An executor outcome maps to one failure class by a pure table.",
  },
  {
    name: "Replayable decision history",
    meaning:
      "Every past decision can be re-evaluated from stored artifacts and compared; a diff shows any difference.",
  },
  {
    name: "Cold-reviewer reproducibility",
    meaning:
      "A reviewer with only an exported evidence bundle and the CLI (no server, no database, no network) reproduces the verdict and checks integrity.",
  },
];

export function Guarantees() {
  return (
    <ScrollRegion label="Guarantees" className="rounded-xl border border-line bg-surface-raised/60">
      <table className="w-full border-collapse text-left text-sm">
        <caption className="sr-only">ExoArmur guarantees and what each means</caption>
        <thead className="bg-slate-900/70 text-xs uppercase tracking-wider text-slate-400">
          <tr>
            <th scope="col" className="w-1/3 px-5 py-3 font-semibold">
              Guarantee
            </th>
            <th scope="col" className="px-5 py-3 font-semibold">
              What it means here
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-line">
          {guarantees.map((g) => (
            <tr key={g.name} className="align-top transition-colors hover:bg-slate-800/30">
              <th scope="row" className="px-5 py-4 font-medium leading-6 text-white">
                <span className="flex items-start gap-2">
                  <span aria-hidden="true" className="text-emerald-400">
                    ✓
                  </span>
                  {g.name}
                </span>
              </th>
              <td className="px-5 py-4 leading-6 text-slate-300">{g.meaning}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
