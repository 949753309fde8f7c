import type { ReactNode } from "react";

/** A landing-page section: an anchor target with an eyebrow, an h2 and optional intro text. */
export function Section({
  id,
  eyebrow,
  title,
  intro,
  children,
}: {
  id: string;
  eyebrow: string;
  title: string;
  intro?: ReactNode;
  children: ReactNode;
}) {
  const headingId = `${id}-heading`;
  return (
    <section id={id} aria-labelledby={headingId} className="scroll-mt-24 border-t border-line py-16 sm:py-20">
      <p className="font-mono text-xs font-semibold uppercase tracking-[0.2em] text-emerald-400">{eyebrow}</p>
      <h2 id={headingId} className="mt-3 text-2xl font-semibold tracking-tight text-white sm:text-3xl">
        {title}
      </h2>
      {intro ? <div className="mt-4 max-w-3xl text-base leading-7 text-slate-300">{intro}</div> : null}
      <div className="mt-10">{children}</div>
    </section>
  );
}
