/** A block of monospaced text in a terminal-style frame with a caption bar. */
export function CodeBlock({ label, code }: { label: string; code: string }) {
  return (
    <figure className="overflow-hidden rounded-xl border border-line bg-slate-950/80 shadow-lg shadow-black/30">
      <figcaption className="flex items-center gap-2 border-b border-line bg-slate-900/70 px-4 py-2">
        <span aria-hidden="true" className="flex gap-1.5">
          <span className="h-2.5 w-2.5 rounded-full bg-slate-700" />
          <span className="h-2.5 w-2.5 rounded-full bg-slate-700" />
          <span className="h-2.5 w-2.5 rounded-full bg-slate-700" />
        </span>
        <span className="font-mono text-xs text-slate-400">{label}</span>
      </figcaption>
      <pre className="whitespace-pre-wrap break-words p-4 font-mono text-[13px] leading-6 text-slate-200">
        <code>{code}</code>
      </pre>
    </figure>
  );
}
