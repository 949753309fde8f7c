"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import { Card, ErrorState, Loading } from "@/components/ui";

/**
 * Four eyes on policy changes (issue 14 §3, as Unleash's change requests): when on, a saved version
 * waits until another admin activates it. Any admin may turn it on; turning it off is the platform
 * admin's, or one admin could drop it and then activate their own change.
 */
export function PolicyReviewSection({
  tenantId,
  platformAdmin,
}: {
  tenantId: string;
  platformAdmin: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const tenant = useQuery(trpc.tenants.get.queryOptions({ tenantId }));
  const [notice, setNotice] = useState<string | null>(null);
  const update = useMutation(
    trpc.tenants.update.mutationOptions({
      onSuccess: async (updated) => {
        setNotice(updated.policyFourEyes ? "Four eyes are on." : "Four eyes are off.");
        await queryClient.invalidateQueries({ queryKey: trpc.tenants.pathKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.policies.pathKey() });
      },
    }),
  );
  const on = tenant.data?.policyFourEyes ?? false;
  const locked = on && !platformAdmin;
  return (
    <Card title="Policy changes">
      {tenant.isPending ? (
        <Loading label="Loading tenant…" />
      ) : tenant.isError ? (
        <ErrorState error={tenant.error} retry={() => void tenant.refetch()} />
      ) : (
        <div className="flex flex-col gap-2 text-sm">
          <label htmlFor={`${id}-four-eyes`} className="flex items-start gap-2">
            <input
              id={`${id}-four-eyes`}
              type="checkbox"
              className="mt-1 h-4 w-4 accent-emerald-500"
              checked={on}
              disabled={locked || update.isPending}
              aria-describedby={`${id}-hint`}
              onChange={(e) => {
                setNotice(null);
                update.mutate({ tenantId, changes: { policyFourEyes: e.target.checked } });
              }}
            />
            <span>Require a second admin to activate each policy change (four eyes)</span>
          </label>
          <p id={`${id}-hint`} className="text-xs text-slate-400">
            {locked
              ? "On. Only the platform admin can turn it off, so that no admin alone can drop it and activate their own change."
              : "A saved version then waits until an admin other than its author activates it (or rejects it)."}
          </p>
          {update.error && <ErrorState error={update.error} />}
          <span role="status" aria-live="polite" className="text-sm text-emerald-300">
            {notice}
          </span>
        </div>
      )}
    </Card>
  );
}
