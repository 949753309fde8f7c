"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTenantAccess } from "@/components/shell/tenant-access";
import { useTRPC } from "@/components/trpc/client";
import type { ChainReport } from "@/components/trpc/types";
import { Button, Card, ErrorState, PageHeader, Time } from "@/components/ui";

/** Verification of the tenant's hash chain; a new verifier per tenant, so no result leaks across. */
export function ChainPage() {
  const { tenantId } = useTenantAccess();
  return <ChainVerifier key={tenantId} tenantId={tenantId} />;
}

function ChainVerifier({ tenantId }: { tenantId: string }) {
  const trpc = useTRPC();
  const [checkedAt, setCheckedAt] = useState<string | null>(null);
  const verify = useMutation(
    trpc.chain.verify.mutationOptions({ onSuccess: () => setCheckedAt(new Date().toISOString()) }),
  );

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Chain verification"
        description={
          <>
            Every change in tenant <span className="font-mono text-slate-300">{tenantId}</span> is an event
            whose hash covers the previous one: rewriting, dropping or reordering any past event breaks every
            hash after it. Verifying recomputes the whole chain from the first event.
          </>
        }
        actions={
          <Button tone="primary" onClick={() => verify.mutate({ tenantId })} disabled={verify.isPending}>
            {verify.isPending ? "Verifying…" : "Verify chain"}
          </Button>
        }
      />

      <div aria-live="polite">
        {verify.isPending ? (
          <p role="status" className="flex items-center gap-2 text-sm text-slate-400">
            <span
              aria-hidden
              className="h-3 w-3 animate-spin rounded-full border-2 border-slate-500 border-t-transparent"
            />
            Recomputing every hash of {tenantId}…
          </p>
        ) : verify.isError ? (
          <ErrorState error={verify.error} retry={() => verify.mutate({ tenantId })} />
        ) : verify.data ? (
          <Result report={verify.data} checkedAt={checkedAt} />
        ) : (
          <Card>
            <p className="text-sm text-slate-400">
              Not verified yet in this session. Press <strong className="text-slate-200">Verify chain</strong>{" "}
              to check it now; auditors may verify too.
            </p>
          </Card>
        )}
      </div>
    </div>
  );
}

function Result({ report, checkedAt }: { report: ChainReport; checkedAt: string | null }) {
  if (report.ok)
    return (
      <section
        data-testid="chain-result"
        role="status"
        aria-label="Chain verification result"
        className="rounded-xl border border-emerald-400/40 bg-emerald-400/10 p-4 text-sm text-emerald-100"
      >
        <p className="flex items-center gap-2 text-base font-semibold text-emerald-200">
          <span aria-hidden>✓</span> Chain OK
        </p>
        <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5">
          <dt className="text-emerald-300/80">Events</dt>
          <dd className="font-mono" data-testid="chain-events">
            {report.events}
          </dd>
          <dt className="text-emerald-300/80">Head hash</dt>
          <dd className="break-all font-mono text-xs" data-testid="chain-head">
            {report.head}
          </dd>
          {checkedAt && (
            <>
              <dt className="text-emerald-300/80">Checked</dt>
              <dd>
                <Time at={checkedAt} />
              </dd>
            </>
          )}
        </dl>
        {report.events === 0 && (
          <p className="mt-3 text-emerald-200/80">The chain is empty: no events yet.</p>
        )}
      </section>
    );
  return (
    <section
      data-testid="chain-result"
      role="alert"
      className="rounded-xl border border-rose-500/50 bg-rose-500/10 p-4 text-sm text-rose-100"
    >
      <p className="flex items-center gap-2 text-base font-semibold text-rose-200">
        <span aria-hidden>✗</span> Chain broken at seq {report.firstBrokenSeq}
      </p>
      <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5">
        <dt className="text-rose-300/80">First broken seq</dt>
        <dd className="font-mono" data-testid="chain-broken-seq">
          {report.firstBrokenSeq}
        </dd>
        <dt className="text-rose-300/80">Problem</dt>
        <dd className="break-words">{report.problem}</dd>
        <dt className="text-rose-300/80">Events read</dt>
        <dd className="font-mono">{report.events}</dd>
        {checkedAt && (
          <>
            <dt className="text-rose-300/80">Checked</dt>
            <dd>
              <Time at={checkedAt} />
            </dd>
          </>
        )}
      </dl>
      <p className="mt-3 text-rose-200/90">
        From this seq on, the stored events do not match their hashes: history was changed outside ExoArmur.
        Preserve the database as it is and investigate before trusting anything after this point.
      </p>
    </section>
  );
}
