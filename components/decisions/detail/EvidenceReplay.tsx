"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC, useTRPCClient } from "@/components/trpc/client";
import { Button, ErrorState } from "@/components/ui";

const PREPARING = "Preparing…";

/**
 * The two things to do with a recorded decision: download its evidence bundle (a JSON file the
 * verifier checks offline) and replay it now against its recorded input.
 */
export function useEvidenceReplay(input: { tenantId: string; decisionId: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const replay = useMutation(trpc.decisions.replay.mutationOptions());
  /** PREPARING while the bundle is fetched, then null, or why the download failed. */
  const [downloading, setDownloading] = useState<string | null>(null);

  const download = async () => {
    setDownloading(PREPARING);
    try {
      const bundle = await client.decisions.evidence.query(input);
      const url = URL.createObjectURL(
        new Blob([`${JSON.stringify(bundle, null, 2)}\n`], { type: "application/json" }),
      );
      const a = document.createElement("a");
      a.href = url;
      a.download = `evidence-${input.decisionId}.json`;
      a.click();
      // Some browsers start the download after click() returns: free the blob a little later.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setDownloading(null);
    } catch (error) {
      setDownloading(`Download failed: ${(error as Error).message}`);
    }
  };

  return { download, downloading, replay, replayNow: () => replay.mutate(input) };
}

type EvidenceReplay = ReturnType<typeof useEvidenceReplay>;

/** The buttons in the decision's header. */
export function EvidenceReplayActions({ state, verifyHref }: { state: EvidenceReplay; verifyHref: string }) {
  return (
    <div className="flex flex-wrap gap-2">
      <Button onClick={state.download} disabled={state.downloading === PREPARING}>
        Download evidence
      </Button>
      <Link
        href={verifyHref}
        className="inline-flex items-center rounded-md border border-line bg-surface-raised px-3 py-1.5 text-sm font-medium text-slate-200 hover:bg-slate-800 focus-visible:outline-2 focus-visible:outline-slate-400"
      >
        Verify this bundle
      </Link>
      <Button tone="primary" onClick={state.replayNow} disabled={state.replay.isPending}>
        {state.replay.isPending ? "Replaying…" : "Replay now"}
      </Button>
    </div>
  );
}

/** Under the header: why a download failed, and what the last replay found. */
export function EvidenceReplayOutcome({ state }: { state: EvidenceReplay }) {
  const { downloading, replay } = state;
  return (
    <>
      {downloading && downloading !== PREPARING && (
        <p role="alert" className="mb-4 text-sm text-rose-300">
          {downloading}
        </p>
      )}

      {(replay.data || replay.error) && (
        <div className="mb-4" data-testid="replay-now-result">
          {replay.error ? (
            <ErrorState error={replay.error} />
          ) : replay.data?.same ? (
            <p
              role="status"
              className="rounded-lg border border-emerald-400/40 bg-emerald-400/10 p-3 text-sm text-emerald-200"
            >
              Replay reproduced the recorded decision exactly: {replay.data.replayed.verdict} (
              {replay.data.replayed.reason}), engine {replay.data.replayed.engineVersion}.
            </p>
          ) : (
            <div
              role="alert"
              className="rounded-lg border border-rose-400/40 bg-rose-400/10 p-3 text-sm text-rose-200"
            >
              <p className="font-semibold">Replay differs from the record</p>
              <DiffTable rows={replay.data?.differences ?? []} />
            </div>
          )}
        </div>
      )}
    </>
  );
}

function DiffTable({ rows }: { rows: { path: string; expected?: unknown; actual?: unknown }[] }) {
  return (
    <table className="mt-2 w-full text-left font-mono text-xs">
      <thead>
        <tr>
          <th>Path</th>
          <th>Recorded</th>
          <th>Replayed</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.path}>
            <td>{r.path}</td>
            <td>{JSON.stringify(r.expected)}</td>
            <td>{JSON.stringify(r.actual)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
