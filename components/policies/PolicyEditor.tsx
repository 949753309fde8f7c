"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { ReplayResult } from "@/components/replay/ReplayResult";
import { useReplay } from "@/components/replay/use-replay";
import { useTRPC } from "@/components/trpc/client";
import type { PolicyVersions } from "@/components/trpc/types";
import { Badge, Button, Card } from "@/components/ui";
import { parsePolicy, policyChangeWarnings } from "@/server/core";
import { ActivationReview } from "./ActivationReview";
import { useDraftCheck } from "./draft";
import { DiffView } from "./PolicyDiff";
import { PolicyDraftField } from "./PolicyDraftField";
import { diffPolicies } from "./policy-diff";
import { prettyJson } from "./types";

/** Replays of a draft cover this many of the most recent decisions. */
const SIMULATE_LIMIT = 1000;
/** The server refuses drafts and policies larger than this (bytes of JSON). */
const MAX_POLICY_BYTES = 256 * 1024;
const EMPTY_POLICY = { rules: [] };

/**
 * Write a policy, see it validated as you type, simulate it against recent history, and (admins)
 * save it as a new active version.
 */
export function PolicyEditor({
  data,
  isAdmin,
  role,
  draft,
  setDraft,
}: {
  data: PolicyVersions;
  isAdmin: boolean;
  role: string | null;
  /** The edited text, or null to follow the active version. */
  draft: string | null;
  setDraft: (text: string | null) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { tenantId, versions, activeVersion } = data;
  const active = versions.find((v) => v.version === activeVersion) ?? null;
  const activeDocument = active?.document ?? EMPTY_POLICY;
  const activeText = useMemo(() => prettyJson(activeDocument), [activeDocument]);
  const text = draft ?? activeText;
  const { check, current } = useDraftCheck(text);
  const valid = check.kind === "valid" && current ? check : null;
  const dirty = text !== activeText;

  const simulation = useReplay(tenantId);
  const simulatedStale =
    simulation.request !== null &&
    (!valid || JSON.stringify(simulation.request.policy) !== JSON.stringify(valid.document));
  const tooLarge = valid ? JSON.stringify(valid.document).length > MAX_POLICY_BYTES : false;

  const [saved, setSaved] = useState<{ version: number; active: boolean } | null>(null);
  const [reviewing, setReviewing] = useState(false);
  const apply = useMutation(
    trpc.policies.save.mutationOptions({
      onSuccess: async (result) => {
        setSaved({ version: result.version, active: result.active });
        setReviewing(false);
        setDraft(null);
        await queryClient.invalidateQueries({ queryKey: trpc.policies.versions.queryKey({ tenantId }) });
      },
    }),
  );
  const nextVersion = Math.max(0, ...versions.map((v) => v.version)) + 1;
  const warnings = useMemo(() => {
    if (!valid) return [];
    const activePolicy = active ? parsePolicy(active.document) : null;
    return policyChangeWarnings(activePolicy?.ok ? activePolicy.value : null, valid.policy);
  }, [valid, active]);
  /** Opens the review, simulating the draft first unless the simulation on screen is of this draft. */
  const review = () => {
    if (!valid) return;
    apply.reset();
    if (simulation.request === null || simulatedStale)
      simulation.run({ policy: valid.document, limit: SIMULATE_LIMIT });
    setReviewing(true);
  };

  const draftDiff = useMemo(
    () => (valid ? diffPolicies(activeDocument, valid.document) : null),
    [valid, activeDocument],
  );

  return (
    <Card
      title="Editor"
      actions={
        <div className="flex flex-wrap items-center gap-2 text-xs text-slate-400">
          {activeVersion !== null ? <span>active: v{activeVersion}</span> : <span>no active version</span>}
          {dirty && <Badge tone="amber">edited</Badge>}
          <Button tone="ghost" className="px-2 py-1 text-xs" disabled={!dirty} onClick={() => setDraft(null)}>
            Reset to active
          </Button>
        </div>
      }
    >
      <div className="grid grid-cols-1 gap-6 2xl:grid-cols-2">
        <div className="flex min-w-0 flex-col gap-3">
          <PolicyDraftField
            label="Policy document (JSON)"
            hint="Rules are matched by id; deny > require_approval > allow"
            value={text}
            onChange={(next) => {
              setSaved(null);
              apply.reset();
              setDraft(next);
            }}
            check={check}
            current={current}
          />
          <div className="flex flex-wrap items-center gap-2">
            <Button
              disabled={!valid || simulation.loading}
              onClick={() => valid && simulation.run({ policy: valid.document, limit: SIMULATE_LIMIT })}
            >
              {simulation.loading ? "Simulating…" : "Simulate"}
            </Button>
            {isAdmin && (
              <Button tone="primary" disabled={!valid || !dirty || apply.isPending} onClick={review}>
                {data.fourEyes ? "Save for review…" : "Save and activate…"}
              </Button>
            )}
            <span className="text-xs text-slate-500">
              Simulate replays the {SIMULATE_LIMIT} most recent decisions under this draft; nothing is saved.
            </span>
          </div>
          {!isAdmin && role && (
            <p className="text-xs text-slate-400">
              Only tenant admins can save and activate a policy; you are{" "}
              <span className="text-slate-200">{role}</span>. You can still edit and simulate drafts here.
            </p>
          )}
          {tooLarge && (
            <p role="note" className="text-xs text-amber-200">
              This draft is larger than {MAX_POLICY_BYTES / 1024} KiB of JSON: the server will refuse to
              simulate or save it.
            </p>
          )}
          {saved !== null && (
            <p role="status" className="text-sm text-emerald-300">
              {saved.active
                ? `Saved as version ${saved.version} and activated.`
                : `Saved as version ${saved.version}; it waits for another admin to activate it.`}
            </p>
          )}
          {draftDiff && dirty && (
            <details className="rounded-lg border border-line p-3">
              <summary className="cursor-pointer select-none text-sm text-slate-300 focus-visible:outline-2 focus-visible:outline-emerald-400">
                Changes from the active version
              </summary>
              <div className="mt-3">
                <DiffView diff={draftDiff} />
              </div>
            </details>
          )}
        </div>
        <ActivationReview
          // A new version to review starts with an empty note.
          key={nextVersion}
          open={reviewing}
          nextVersion={nextVersion}
          activeVersion={activeVersion}
          fourEyes={data.fourEyes}
          diff={draftDiff}
          warnings={warnings}
          simulation={simulation}
          pending={apply.isPending}
          error={apply.error}
          onCancel={() => setReviewing(false)}
          onConfirm={(note) => valid && apply.mutate({ tenantId, document: valid.document, note })}
        />
        <section aria-label="Simulation" className="flex min-w-0 flex-col gap-2">
          <h3 className="text-sm font-semibold text-slate-100">Simulation</h3>
          {simulatedStale && simulation.data && !simulation.loading && (
            <p role="note" className="text-xs text-amber-200">
              The draft changed since this simulation; run it again to update.
            </p>
          )}
          <ReplayResult
            tenantId={tenantId}
            data={simulation.data}
            error={simulation.error}
            loading={simulation.loading}
            onRetry={simulation.retry}
            idle="Simulate the draft to see which recent decisions it would change, before activating it."
          />
        </section>
      </div>
    </Card>
  );
}
