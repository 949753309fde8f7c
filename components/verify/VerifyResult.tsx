"use client";

import type { ReactNode } from "react";
import { Badge, Card } from "@/components/ui";
import { type Verdict, VerdictBadge } from "@/components/VerdictBadge";
import type { VerifyReport } from "@/server/core";
import { plainReading, showValue, type VerifyOutcome } from "./verify-text";

const VERDICTS: readonly string[] = ["ALLOW", "DENY", "REQUIRE_APPROVAL"];

const text = (value: unknown) => (value === undefined || value === null ? "—" : String(value));

/**
 * The verdict of one check: a pass with the bundle's summary; "integrity OK, signer not trusted"
 * with the signer's key; or every mismatch (path, expected, actual). `trustedBy` says, for a
 * trusted public key, why it is trusted (e.g. "this server's key, retired").
 */
export function VerifyResult({
  outcome,
  trustedBy = new Map(),
}: {
  outcome: VerifyOutcome;
  trustedBy?: ReadonlyMap<string, string>;
}) {
  if (outcome.kind === "unreadable") {
    return (
      <section
        data-testid="verify-result"
        data-outcome="unreadable"
        role="alert"
        className="rounded-xl border border-rose-500/40 bg-rose-500/10 p-4 text-sm text-rose-200"
      >
        <h2 className="text-base font-semibold text-rose-100">Failed: unreadable input</h2>
        <p className="mt-1 break-words">{outcome.message}</p>
        <p className="mt-2 text-xs text-rose-300/80">
          Nothing was checked: the CLI gives exit code 2 for this input. An evidence bundle is the JSON file
          the dashboard's “download evidence” button or the API's evidence endpoint exports.
        </p>
      </section>
    );
  }
  if (outcome.kind === "verified")
    return (
      <Passed
        source={outcome.source}
        report={outcome.report}
        trustedAs={(outcome.signerPublicKey && trustedBy.get(outcome.signerPublicKey)) || "trusted key"}
      />
    );
  if (outcome.kind === "untrusted")
    return (
      <Untrusted source={outcome.source} report={outcome.report} signerPublicKey={outcome.signerPublicKey} />
    );
  return <Mismatches source={outcome.source} report={outcome.report} />;
}

/** What the bundle says it is: tenant, decision, verdict, rule, events. */
function summaryRows(report: VerifyReport): [string, ReactNode][] {
  const s = report.summary;
  const verdict =
    typeof s.verdict === "string" && VERDICTS.includes(s.verdict) ? (s.verdict as Verdict) : null;
  return [
    ["Tenant", <code key="t">{text(s.tenantId)}</code>],
    ["Decision", <code key="d">{text(s.decisionId)}</code>],
    ["Intent", <code key="i">{text(s.intentId)}</code>],
    ["Verdict", verdict ? <VerdictBadge key="v" verdict={verdict} /> : text(s.verdict)],
    ["Reason", <code key="r">{text(s.reason)}</code>],
    ["Deciding rule", <code key="rule">{text(s.decidingRule)}</code>],
    ["Chain events", String(s.events)],
  ];
}

function Rows({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 p-4 text-sm">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-slate-400">{label}</dt>
          <dd className="min-w-0 text-slate-100">{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Passed({ source, report, trustedAs }: { source: string; report: VerifyReport; trustedAs: string }) {
  const rows: [string, ReactNode][] = [
    ...summaryRows(report),
    [
      "Signed by",
      <span key="k" className="flex flex-wrap items-center gap-2">
        <code className="break-all">{text(report.summary.keyId)}</code>
        <Badge tone="emerald">{trustedAs}</Badge>
      </span>,
    ],
  ];
  return (
    <section
      data-testid="verify-result"
      data-outcome="verified"
      role="status"
      className="rounded-xl border border-emerald-400/40 bg-emerald-400/5"
    >
      <header className="border-b border-emerald-400/20 px-4 py-3">
        <h2 className="flex items-center gap-2 text-base font-semibold text-emerald-200">
          <span aria-hidden>✓</span> Verified
        </h2>
        <p className="mt-1 text-sm text-slate-300">
          <span className="font-mono">{source}</span>: the decision re-runs to the same output, every hash and
          chain link matches, the approval replays to its recorded outcome and the signature holds — by a key
          you trust.
        </p>
      </header>
      <Rows rows={rows} />
    </section>
  );
}

/** Consistent, but signed by a key nobody vouched for: the CLI's exit 3. */
function Untrusted({
  source,
  report,
  signerPublicKey,
}: {
  source: string;
  report: VerifyReport;
  signerPublicKey: string | null;
}) {
  const rows: [string, ReactNode][] = [
    ...summaryRows(report),
    [
      "Signed by",
      <span key="k" className="flex flex-wrap items-center gap-2">
        <code className="break-all">{text(report.summary.keyId)}</code>
        <Badge tone="amber">not trusted</Badge>
      </span>,
    ],
    [
      "Signer's public key",
      <code key="pk" className="break-all">
        {text(signerPublicKey)}
      </code>,
    ],
  ];
  return (
    <section
      data-testid="verify-result"
      data-outcome="untrusted"
      role="alert"
      className="rounded-xl border border-amber-400/40 bg-amber-400/5"
    >
      <header className="border-b border-amber-400/20 px-4 py-3">
        <h2 className="flex items-center gap-2 text-base font-semibold text-amber-100">
          <span aria-hidden>!</span> Integrity OK, signer not trusted
        </h2>
        <p className="mt-1 text-sm text-slate-300">
          <span className="font-mono">{source}</span> is internally consistent — the decision re-runs to the
          same output and every hash, chain link and signature checks out — but it was signed by a key that is
          neither one of this server's signing keys nor one you pasted. Anyone can edit a bundle, recompute
          its hashes and sign it with a key of their own, so this proves nothing about who made it (the CLI
          gives exit code 3).
        </p>
        <p className="mt-1 text-xs text-amber-200/90">
          If you got the signer's public key from its server out of band, paste it under “Also trust these
          public keys”; never trust a key just because the bundle carries it.
        </p>
      </header>
      <Rows rows={rows} />
    </section>
  );
}

function Mismatches({ source, report }: { source: string; report: VerifyReport }) {
  const n = report.mismatches.length;
  return (
    <section data-testid="verify-result" data-outcome="mismatch" role="alert">
      <Card
        title={
          <span className="flex items-center gap-2 text-base text-rose-200">
            <span aria-hidden>✗</span> Failed: {n} mismatch{n === 1 ? "" : "es"}
          </span>
        }
      >
        <p className="mb-2 text-base font-medium text-rose-100" data-testid="verify-plain-reading">
          {plainReading(report.mismatches)}
        </p>
        <p className="mb-3 text-sm text-slate-300">
          <span className="font-mono">{source}</span> does not check out: each row names the field that
          differs, what the check expected and what the bundle holds (the CLI gives exit code 1).
        </p>
        <div className="overflow-x-auto">
          <table className="w-full border-collapse text-left text-sm">
            <caption className="sr-only">Mismatches found in {source}</caption>
            <thead>
              <tr className="border-b border-line text-xs uppercase tracking-wide text-slate-400">
                <th scope="col" className="py-2 pr-4 font-medium">
                  Path
                </th>
                <th scope="col" className="py-2 pr-4 font-medium">
                  Problem
                </th>
                <th scope="col" className="py-2 pr-4 font-medium">
                  Expected
                </th>
                <th scope="col" className="py-2 font-medium">
                  Actual
                </th>
              </tr>
            </thead>
            <tbody>
              {report.mismatches.map((m, i) => (
                <tr
                  // Mismatches have no id; a path may repeat with another message, the position is stable.
                  // biome-ignore lint/suspicious/noArrayIndexKey: the list is computed once per input
                  key={i}
                  className="border-b border-line/60 align-top"
                >
                  <td className="py-2 pr-4 font-mono text-xs text-rose-200">{m.path || "(bundle)"}</td>
                  <td className="py-2 pr-4 text-slate-300">{m.message}</td>
                  <td className="py-2 pr-4">
                    <Value value={m.expected} />
                  </td>
                  <td className="py-2">
                    <Value value={m.actual} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </section>
  );
}

function Value({ value }: { value: unknown }) {
  return (
    <code className="block max-h-40 max-w-md overflow-auto font-mono text-xs break-all whitespace-pre-wrap text-slate-200">
      {showValue(value)}
    </code>
  );
}
