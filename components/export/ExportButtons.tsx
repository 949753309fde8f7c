"use client";

import type { DecisionFilter, ReplayOutput } from "@/components/trpc/types";
import { csvLine, type ExportFormat, jsonLine } from "@/server/core/export-format";

/** Looks like a neutral Button; it is a link, so the browser streams the file to disk itself. */
const LINK =
  "inline-flex items-center justify-center gap-1.5 rounded-md border border-line bg-surface-raised px-3 py-1.5 text-sm font-medium text-slate-200 transition hover:bg-slate-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-slate-400";

const FILTER_PARAMS = ["verdict", "reason", "action", "actor", "from", "to"] as const;

/** The export URL of the decisions list under the given filter (the page's own, times as ISO instants). */
export function decisionsExportUrl(tenantId: string, filter: DecisionFilter, format: ExportFormat): string {
  const params = new URLSearchParams({ tenant: tenantId, format });
  for (const name of FILTER_PARAMS) {
    const value = filter[name];
    if (typeof value === "string" && value) params.set(name, value);
  }
  return `/api/export/decisions?${params.toString()}`;
}

/** "Export CSV · JSONL" for the decisions list: every matching decision, streamed by the server. */
export function DecisionsExport({ tenantId, filter }: { tenantId: string; filter: DecisionFilter }) {
  return (
    <fieldset aria-label="Export decisions" className="m-0 flex flex-wrap items-center gap-2 border-0 p-0">
      {(["csv", "jsonl"] as const).map((format) => (
        <a
          key={format}
          className={LINK}
          href={decisionsExportUrl(tenantId, filter, format)}
          download
          aria-label={`Export ${format.toUpperCase()} of the filtered decisions`}
        >
          {format === "csv" ? "Export CSV" : "Export JSONL"}
        </a>
      ))}
    </fieldset>
  );
}

const REPLAY_COLUMNS = [
  "decisionId",
  "createdAt",
  "action",
  "actorId",
  "beforeVerdict",
  "beforeReason",
  "beforeRule",
  "afterVerdict",
  "afterReason",
  "afterRule",
  "differences",
] as const;

function replayRows(data: ReplayOutput) {
  return data.changes.map((c) => ({
    decisionId: c.decisionId,
    createdAt: c.createdAt,
    action: c.action,
    actorId: c.actorId,
    beforeVerdict: c.before.verdict,
    beforeReason: c.before.reason,
    beforeRule: c.before.decidingRule,
    afterVerdict: c.after.verdict,
    afterReason: c.after.reason,
    afterRule: c.after.decidingRule,
    differences: c.differences.map((d) => d.path).join(" "),
  }));
}

function download(text: string, name: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * "Export CSV · JSONL" for a replay result: the changed decisions it holds (the replay's own range and
 * candidate), built in the browser from the answer already on screen.
 */
export function ReplayExport({ data }: { data: ReplayOutput }) {
  const save = (format: ExportFormat) => {
    const rows = replayRows(data);
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    if (format === "csv")
      download(
        csvLine(REPLAY_COLUMNS) + rows.map((r) => csvLine(REPLAY_COLUMNS.map((c) => r[c]))).join(""),
        `replay-${stamp}.csv`,
        "text/csv",
      );
    else download(data.changes.map(jsonLine).join(""), `replay-${stamp}.jsonl`, "application/jsonl");
  };
  return (
    <fieldset
      aria-label="Export replay result"
      className="m-0 flex flex-wrap items-center gap-2 border-0 p-0"
    >
      <button type="button" className={LINK} onClick={() => save("csv")}>
        Export CSV
      </button>
      <button type="button" className={LINK} onClick={() => save("jsonl")}>
        Export JSONL
      </button>
    </fieldset>
  );
}
