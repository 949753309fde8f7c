"use client";

import { type FormEvent, useId, useMemo, useState } from "react";
import { useDraftCheck } from "@/components/policies/draft";
import { PolicyDraftField } from "@/components/policies/PolicyDraftField";
import { prettyJson, previousVersion } from "@/components/policies/types";
import type { PolicyVersions } from "@/components/trpc/types";
import { Button, TextField } from "@/components/ui";
import type { ReplayRequestBody } from "./use-replay";

const DEFAULT_LIMIT = 2000;
const MAX_LIMIT = 10_000;
const EMPTY_POLICY = { rules: [] };

/** A `datetime-local` value (the user's local time) as an ISO instant in UTC ("…Z"), or an error. */
function localToIso(value: string): { iso: string | null; error: string | null } {
  if (!value) return { iso: null, error: null };
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return { iso: null, error: "is not a valid date and time" };
  return { iso: date.toISOString(), error: null };
}

/**
 * Choose what to replay: a stored version or a draft, an optional time range (local time, sent as
 * UTC) and how many of the most recent decisions in it to re-evaluate.
 */
export function ReplayForm({
  data,
  initialVersion,
  running,
  onRun,
}: {
  data: PolicyVersions;
  initialVersion: number | null;
  running: boolean;
  onRun: (request: ReplayRequestBody) => void;
}) {
  const id = useId();
  const { versions, activeVersion } = data;
  const hasVersions = versions.length > 0;
  const [mode, setMode] = useState<"version" | "draft">(hasVersions ? "version" : "draft");
  const defaultVersion =
    (initialVersion !== null && versions.some((v) => v.version === initialVersion) ? initialVersion : null) ??
    previousVersion(data) ??
    activeVersion ??
    versions[0]?.version ??
    null;
  const [version, setVersion] = useState<number | null>(null);
  const chosenVersion = version ?? defaultVersion;

  const active = versions.find((v) => v.version === activeVersion);
  const activeText = useMemo(() => prettyJson(active?.document ?? EMPTY_POLICY), [active]);
  const [draft, setDraft] = useState<string | null>(null);
  const text = draft ?? activeText;
  const { check, current } = useDraftCheck(text);

  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [limit, setLimit] = useState(String(DEFAULT_LIMIT));

  const fromIso = localToIso(from);
  const toIso = localToIso(to);
  const rangeError =
    fromIso.iso && toIso.iso && fromIso.iso >= toIso.iso ? "must be after the start of the range" : null;
  const limitNumber = Number(limit);
  const limitError =
    !Number.isInteger(limitNumber) || limitNumber < 1 || limitNumber > MAX_LIMIT
      ? `must be a whole number from 1 to ${MAX_LIMIT}`
      : null;
  const candidateOk = mode === "version" ? chosenVersion !== null : check.kind === "valid" && current;
  const canRun = candidateOk && !fromIso.error && !toIso.error && !rangeError && !limitError && !running;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!canRun) return;
    const request: ReplayRequestBody = {};
    if (mode === "version" && chosenVersion !== null) request.version = chosenVersion;
    else if (check.kind === "valid") request.policy = check.document;
    if (fromIso.iso) request.from = fromIso.iso;
    if (toIso.iso) request.to = toIso.iso;
    request.limit = limitNumber;
    onRun(request);
  };

  const radio = (value: "version" | "draft", label: string, disabled = false) => (
    <label className={`flex items-center gap-2 text-sm ${disabled ? "text-slate-500" : "text-slate-200"}`}>
      <input
        type="radio"
        name={`${id}-mode`}
        value={value}
        checked={mode === value}
        disabled={disabled}
        onChange={() => setMode(value)}
        className="accent-emerald-400"
      />
      {label}
    </label>
  );

  return (
    <form onSubmit={submit} className="flex flex-col gap-5" aria-label="Replay settings">
      <fieldset className="flex flex-col gap-3">
        <legend className="mb-2 text-xs font-medium text-slate-300">Candidate policy</legend>
        <div className="flex flex-wrap gap-4">
          {radio("version", "A stored version", !hasVersions)}
          {radio("draft", "A draft policy")}
        </div>
        {mode === "version" ? (
          <div className="flex flex-col gap-1">
            <label htmlFor={`${id}-version`} className="text-xs font-medium text-slate-300">
              Version
            </label>
            <select
              id={`${id}-version`}
              value={chosenVersion ?? ""}
              onChange={(e) => setVersion(Number(e.target.value))}
              className="rounded-md border border-line bg-surface px-2.5 py-1.5 text-sm text-slate-100 focus:outline-2 focus:outline-emerald-400"
            >
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                  {v.active ? " (active)" : ""} · {v.hash.slice(0, 10)} · {v.createdByName}
                </option>
              ))}
            </select>
            {!hasVersions && <p className="text-xs text-slate-500">This tenant has no stored version.</p>}
          </div>
        ) : (
          <PolicyDraftField
            label="Draft policy (JSON)"
            hint={activeVersion !== null ? `prefilled with active v${activeVersion}` : undefined}
            value={text}
            onChange={setDraft}
            check={check}
            current={current}
            rows={16}
          />
        )}
      </fieldset>

      <fieldset className="flex flex-col gap-3">
        <legend className="mb-2 text-xs font-medium text-slate-300">
          Decisions to replay (times in your local zone, sent as UTC)
        </legend>
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          <TextField
            label="From (optional)"
            type="datetime-local"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
            error={fromIso.error}
            hint={fromIso.iso ?? "from the oldest"}
          />
          <TextField
            label="To (optional, exclusive)"
            type="datetime-local"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            error={toIso.error ?? rangeError}
            hint={toIso.iso ?? "up to now"}
          />
        </div>
        <TextField
          label="Limit (most recent decisions in the range)"
          type="number"
          inputMode="numeric"
          min={1}
          max={MAX_LIMIT}
          step={1}
          value={limit}
          onChange={(e) => setLimit(e.target.value)}
          error={limitError}
          hint={`1 to ${MAX_LIMIT}`}
          className="max-w-40"
        />
      </fieldset>

      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" tone="primary" disabled={!canRun}>
          {running ? "Replaying…" : "Run replay"}
        </Button>
        {mode === "draft" && !candidateOk && (
          <span className="text-xs text-rose-300">Fix the draft before replaying it.</span>
        )}
      </div>
    </form>
  );
}
