"use client";

import { useId, useMemo, useState } from "react";
import type { PolicyVersions } from "@/components/trpc/types";
import { Badge, Button, Card, EmptyState } from "@/components/ui";
import { type PolicyDiff as Diff, diffPolicies, type LeafChange, type RuleDiff } from "./policy-diff";
import { prettyJson, previousVersion } from "./types";

/** Two labelled version pickers (default: previous → active) and what changed between them, rule by rule. */
export function PolicyDiff({ data }: { data: PolicyVersions }) {
  const id = useId();
  const { versions, activeVersion } = data;
  const [base, setBase] = useState<number | null>(null);
  const [target, setTarget] = useState<number | null>(null);

  const defaultTarget = activeVersion ?? versions[0]?.version ?? null;
  const defaultBase = previousVersion(data);
  const baseVersion = versions.find((v) => v.version === (base ?? defaultBase)) ?? null;
  const targetVersion = versions.find((v) => v.version === (target ?? defaultTarget)) ?? null;

  const diff = useMemo(
    () => (baseVersion && targetVersion ? diffPolicies(baseVersion.document, targetVersion.document) : null),
    [baseVersion, targetVersion],
  );

  if (versions.length < 2)
    return (
      <Card title="Diff between versions">
        <EmptyState title="Nothing to compare yet">
          {versions.length === 0
            ? "This tenant has no policy version."
            : "There is only one policy version; the diff appears once a second one is saved."}
        </EmptyState>
      </Card>
    );

  const label = (v: number) => `v${v}${v === activeVersion ? " (active)" : ""}`;
  const select = (which: "base" | "target") => (
    <div className="flex min-w-40 flex-1 flex-col gap-1">
      <label htmlFor={`${id}-${which}`} className="text-xs font-medium text-slate-300">
        {which === "base" ? "From version" : "To version"}
      </label>
      <select
        id={`${id}-${which}`}
        value={(which === "base" ? baseVersion?.version : targetVersion?.version) ?? ""}
        onChange={(e) => (which === "base" ? setBase : setTarget)(Number(e.target.value))}
        className="rounded-md border border-line bg-surface px-2.5 py-1.5 text-sm text-slate-100 focus:outline-2 focus:outline-emerald-400"
      >
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            {label(v.version)} · {v.hash.slice(0, 10)}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <Card title="Diff between versions">
      <div className="flex flex-wrap items-end gap-3">
        {select("base")}
        <Button
          aria-label="Swap the two versions"
          title="Swap"
          onClick={() => {
            setBase(targetVersion?.version ?? null);
            setTarget(baseVersion?.version ?? null);
          }}
        >
          ⇄ Swap
        </Button>
        {select("target")}
      </div>
      <div className="mt-4">
        {diff && baseVersion && targetVersion ? (
          baseVersion.version === targetVersion.version ? (
            <EmptyState title="The same version is selected twice">Pick two different versions.</EmptyState>
          ) : (
            <DiffView diff={diff} />
          )
        ) : (
          <EmptyState title="Pick two versions to compare" />
        )}
      </div>
    </Card>
  );
}

/** Renders a policy diff (also usable for draft vs active). */
export function DiffView({ diff }: { diff: Diff }) {
  if (diff.kind === "generic")
    return diff.changes.length === 0 ? (
      <EmptyState title="The documents are identical" />
    ) : (
      <ChangeList changes={diff.changes} />
    );
  const counts = { added: 0, removed: 0, changed: 0 };
  for (const r of diff.rules) counts[r.kind]++;
  if (diff.rules.length === 0 && diff.other.length === 0)
    return (
      <EmptyState title="The documents are identical">
        Both versions have the same {diff.unchanged} {diff.unchanged === 1 ? "rule" : "rules"}.
      </EmptyState>
    );
  return (
    <div className="flex flex-col gap-3">
      <p className="flex flex-wrap gap-2 text-xs text-slate-400">
        <Badge tone="emerald">+{counts.added} added</Badge>
        <Badge tone="rose">−{counts.removed} removed</Badge>
        <Badge tone="amber">~{counts.changed} changed</Badge>
        <Badge>{diff.unchanged} unchanged</Badge>
      </p>
      {diff.other.length > 0 && (
        <div className="rounded-lg border border-line p-3">
          <p className="mb-2 text-xs font-medium text-slate-300">Outside the rules</p>
          <ChangeList changes={diff.other} />
        </div>
      )}
      <ul className="flex flex-col gap-2">
        {diff.rules.map((r) => (
          <RuleDiffItem key={`${r.kind}:${r.id}`} diff={r} />
        ))}
      </ul>
    </div>
  );
}

const ruleTone = {
  added: { box: "border-emerald-500/40 bg-emerald-500/5", badge: "emerald", label: "added" },
  removed: { box: "border-rose-500/40 bg-rose-500/5", badge: "rose", label: "removed" },
  changed: { box: "border-amber-500/30 bg-amber-500/5", badge: "amber", label: "changed" },
} as const;

function RuleDiffItem({ diff }: { diff: RuleDiff }) {
  const tone = ruleTone[diff.kind];
  return (
    <li className={`rounded-lg border p-3 ${tone.box}`}>
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone={tone.badge}>{tone.label}</Badge>
        <span className="font-mono text-sm text-slate-100">{diff.id}</span>
        <span className="text-xs text-slate-500">
          {diff.kind === "removed" ? `was rule #${diff.position}` : `rule #${diff.position}`}
        </span>
        {diff.kind === "changed" && diff.moved && (
          <Badge tone="sky">
            moved #{diff.moved.from} → #{diff.moved.to}
          </Badge>
        )}
      </div>
      {diff.kind === "changed" ? (
        diff.changes.length > 0 ? (
          <div className="mt-2">
            <ChangeList changes={diff.changes} />
          </div>
        ) : (
          <p className="mt-2 text-xs text-slate-400">Same content; only its position in the order changed.</p>
        )
      ) : (
        <pre
          className={`mt-2 max-h-64 overflow-auto rounded-md bg-surface/80 p-2 font-mono text-xs leading-5 ${diff.kind === "added" ? "text-emerald-200" : "text-rose-200"}`}
        >
          {prettyJson(diff.rule)}
        </pre>
      )}
    </li>
  );
}

/** Formats a JSON value for a diff cell; an absent value says so. */
export function showValue(value: unknown): string {
  if (value === undefined) return "(absent)";
  return JSON.stringify(value) ?? String(value);
}

function ChangeList({ changes }: { changes: LeafChange[] }) {
  return (
    <dl className="grid grid-cols-1 gap-x-4 gap-y-1.5 font-mono text-xs sm:grid-cols-[minmax(8rem,max-content)_1fr]">
      {changes.map((c) => (
        <div key={`${c.path}:${c.kind}`} className="contents">
          <dt className="break-all text-slate-300">{c.path}</dt>
          <dd className="flex flex-wrap items-baseline gap-1.5 break-all">
            {c.kind === "added" && (
              <>
                <span className="sr-only">added:</span>
                <span className="rounded bg-emerald-500/15 px-1 text-emerald-200">
                  + {showValue(c.after)}
                </span>
              </>
            )}
            {c.kind === "removed" && (
              <>
                <span className="sr-only">removed:</span>
                <span className="rounded bg-rose-500/15 px-1 text-rose-200 line-through decoration-rose-400/50">
                  − {showValue(c.before)}
                </span>
              </>
            )}
            {c.kind === "modified" && (
              <>
                <span className="sr-only">changed from</span>
                <span className="rounded bg-rose-500/15 px-1 text-rose-200 line-through decoration-rose-400/50">
                  {showValue(c.before)}
                </span>
                <span aria-hidden className="text-slate-500">
                  →
                </span>
                <span className="sr-only">to</span>
                <span className="rounded bg-emerald-500/15 px-1 text-emerald-200">{showValue(c.after)}</span>
              </>
            )}
            {c.kind === "moved" && <span className="text-sky-300">moved to index {c.to}</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}
