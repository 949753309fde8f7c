export type Verdict = "ALLOW" | "DENY" | "REQUIRE_APPROVAL";

const styles: Record<Verdict, string> = {
  ALLOW: "border-emerald-400/40 bg-emerald-400/10 text-emerald-300",
  DENY: "border-rose-400/40 bg-rose-400/10 text-rose-300",
  REQUIRE_APPROVAL: "border-amber-400/40 bg-amber-400/10 text-amber-200",
};

/** A decision verdict, colour-coded; the text itself always carries the meaning. */
export function VerdictBadge({ verdict }: { verdict: Verdict }) {
  return (
    <span
      className={`inline-flex items-center rounded-md border px-2 py-0.5 font-mono text-xs font-semibold tracking-wide ${styles[verdict]}`}
    >
      {verdict}
    </span>
  );
}
