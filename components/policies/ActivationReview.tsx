"use client";

import { useId, useState } from "react";
import { TransitionsTable } from "@/components/replay/ReplayResult";
import type { ReplayOutput } from "@/components/trpc/types";
import { ConfirmDialog, ErrorState, Loading } from "@/components/ui";
import type { PolicyWarning } from "@/server/core";
import { DiffView } from "./PolicyDiff";
import type { PolicyDiff } from "./policy-diff";

/**
 * "Save and activate" as a review, not one click (issue 14 §3): what changes against the active
 * version, what the change weakens, what it would have done to recent decisions, and the author's
 * change note, which is required. Under four eyes the same review proposes the version instead.
 */
export function ActivationReview({
  open,
  nextVersion,
  activeVersion,
  fourEyes,
  diff,
  warnings,
  simulation,
  pending,
  error,
  onCancel,
  onConfirm,
}: {
  open: boolean;
  nextVersion: number;
  activeVersion: number | null;
  fourEyes: boolean;
  diff: PolicyDiff | null;
  warnings: PolicyWarning[];
  simulation: { data: ReplayOutput | undefined; loading: boolean; error: unknown; retry: () => void };
  pending: boolean;
  error: unknown;
  onCancel: () => void;
  onConfirm: (note: string) => void;
}) {
  const id = useId();
  const [note, setNote] = useState("");
  const sim = simulation.data;
  return (
    <ConfirmDialog
      wide
      open={open}
      tone="primary"
      title={fourEyes ? `Propose version ${nextVersion} for review?` : `Activate version ${nextVersion}?`}
      description={
        fourEyes
          ? "This tenant requires four eyes: the version is saved, and another admin activates it."
          : `Every new intent will be decided by version ${nextVersion}${activeVersion !== null ? ` instead of version ${activeVersion}` : ""}. Decisions already made keep theirs.`
      }
      confirmLabel={fourEyes ? "Propose for review" : `Activate version ${nextVersion}`}
      confirmDisabled={!note.trim() || simulation.loading}
      pending={pending}
      error={error}
      onCancel={onCancel}
      onConfirm={() => onConfirm(note.trim())}
    >
      {warnings.length > 0 && (
        <section aria-label="Warnings" className="rounded-lg border border-amber-500/50 bg-amber-500/10 p-3">
          <h3 className="mb-1 text-sm font-semibold text-amber-200">
            This change weakens the policy ({warnings.length})
          </h3>
          <ul className="list-disc pl-5 text-sm text-amber-100">
            {warnings.map((w) => (
              <li key={`${w.kind}:${"ruleId" in w ? w.ruleId : ""}`}>{w.message}</li>
            ))}
          </ul>
        </section>
      )}

      <section aria-label="Changes from the active version" className="flex flex-col gap-2">
        <h3 className="text-sm font-semibold text-slate-100">
          Changes from {activeVersion !== null ? `version ${activeVersion}` : "no policy"}
        </h3>
        {diff ? <DiffView diff={diff} /> : <p className="text-sm text-slate-400">Nothing to compare.</p>}
      </section>

      <section aria-label="Simulation over recent decisions" className="flex flex-col gap-2">
        <h3 className="text-sm font-semibold text-slate-100">Simulation over recent decisions</h3>
        {simulation.loading ? (
          <Loading label="Replaying recent decisions under this draft…" />
        ) : simulation.error ? (
          <ErrorState error={simulation.error} retry={simulation.retry} />
        ) : sim ? (
          <>
            <p
              data-testid="review-simulation"
              className={`text-sm font-semibold ${sim.changed > 0 ? "text-amber-200" : "text-emerald-300"}`}
            >
              {sim.changed} of {sim.evaluated} recent {sim.evaluated === 1 ? "decision" : "decisions"} would
              change
            </p>
            {sim.changed > 0 && <TransitionsTable transitions={sim.transitions} />}
          </>
        ) : null}
      </section>

      <div className="flex flex-col gap-1">
        <label htmlFor={`${id}-note`} className="text-xs font-medium text-slate-300">
          Change note (required, recorded with the version and in the chain)
        </label>
        <textarea
          id={`${id}-note`}
          required
          rows={3}
          maxLength={1000}
          value={note}
          placeholder="Why this change? e.g. incident 42: one approver at night"
          onChange={(e) => setNote(e.target.value)}
          className="rounded-md border border-line bg-surface px-2.5 py-1.5 text-sm text-slate-100 placeholder:text-slate-500 focus:outline-2 focus:outline-emerald-400"
        />
      </div>
    </ConfirmDialog>
  );
}
