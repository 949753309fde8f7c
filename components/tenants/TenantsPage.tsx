"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import {
  Badge,
  Button,
  Card,
  ConfirmDialog,
  EmptyState,
  ErrorState,
  Loading,
  PageHeader,
  Time,
} from "@/components/ui";
import type { AppRouter } from "@/server/api/root";
import { CreateTenantForm } from "./CreateTenantForm";

type Membership = inferRouterOutputs<AppRouter>["me"]["get"]["memberships"][number];
type StatusChange = { tenantId: string; tenantName: string; status: "active" | "suspended" };

/** Every tenant, for platform admins: create, and suspend or activate. */
export function TenantsPage() {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.get.queryOptions());

  const header = (
    <PageHeader
      title="Tenants"
      description="Each tenant has its own policies, keys, members, kill switches and hash chain. A suspended tenant's intents are all denied (TENANT_SUSPENDED) until it is activated again."
    />
  );

  if (me.isPending)
    return (
      <div>
        {header}
        <Loading label="Loading tenants…" />
      </div>
    );
  if (me.isError)
    return (
      <div>
        {header}
        <ErrorState error={me.error} retry={() => void me.refetch()} />
      </div>
    );
  if (!me.data.platformAdmin)
    return (
      <div>
        {header}
        <Card title="Only platform admins manage tenants">
          <p className="text-sm text-slate-300" role="note">
            Creating, suspending and activating tenants is reserved to platform admins, and you are not one.
            Tenant admins change their own tenant's name, limits, keys and members in its Settings page.
          </p>
        </Card>
      </div>
    );

  return (
    <div className="flex flex-col gap-6">
      {header}
      <div className="grid items-start gap-6 xl:grid-cols-[minmax(0,3fr)_minmax(22rem,1fr)]">
        <TenantsTable tenants={me.data.memberships} />
        <CreateTenantForm />
      </div>
    </div>
  );
}

function TenantsTable({ tenants }: { tenants: Membership[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [change, setChange] = useState<StatusChange | null>(null);
  const update = useMutation(
    trpc.tenants.update.mutationOptions({
      onSuccess: async () => {
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.tenants.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.me.pathKey() }),
        ]);
        setChange(null);
      },
    }),
  );

  return (
    <Card title={`All tenants (${tenants.length})`}>
      {tenants.length === 0 ? (
        <EmptyState title="No tenants yet">Create the first one with the form.</EmptyState>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full min-w-[760px] text-left text-sm">
            <caption className="sr-only">All tenants</caption>
            <thead className="text-xs text-slate-400">
              <tr className="border-b border-line">
                <th scope="col" className="py-2 pr-3 font-medium">
                  Tenant
                </th>
                <th scope="col" className="py-2 pr-3 font-medium">
                  Status
                </th>
                <th scope="col" className="py-2 pr-3 text-right font-medium">
                  Rate / s
                </th>
                <th scope="col" className="py-2 pr-3 text-right font-medium">
                  Burst
                </th>
                <th scope="col" className="py-2 pr-3 text-right font-medium">
                  Max pending
                </th>
                <th scope="col" className="py-2 pr-3 font-medium">
                  Created
                </th>
                <th scope="col" className="py-2 text-right font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tenants.map((t) => (
                <TenantRow
                  key={t.tenantId}
                  membership={t}
                  onStatus={(status) => {
                    update.reset();
                    setChange({ tenantId: t.tenantId, tenantName: t.tenantName, status });
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}

      <ConfirmDialog
        open={change !== null}
        title={
          change
            ? `${change.status === "suspended" ? "Suspend" : "Activate"} tenant ${change.tenantName} (${change.tenantId})?`
            : ""
        }
        description={
          change?.status === "suspended"
            ? "Every new intent of this tenant is denied (TENANT_SUSPENDED) until it is activated again. Its history, keys and members stay."
            : "This tenant's intents are decided by its policy again."
        }
        confirmLabel={change?.status === "suspended" ? "Suspend" : "Activate"}
        tone={change?.status === "suspended" ? "danger" : "primary"}
        pending={update.isPending}
        error={update.error}
        onConfirm={() =>
          change && update.mutate({ tenantId: change.tenantId, changes: { status: change.status } })
        }
        onCancel={() => setChange(null)}
      />
    </Card>
  );
}

function TenantRow({
  membership,
  onStatus,
}: {
  membership: Membership;
  onStatus: (status: "active" | "suspended") => void;
}) {
  const trpc = useTRPC();
  const tenant = useQuery(trpc.tenants.get.queryOptions({ tenantId: membership.tenantId }));
  const status = tenant.data?.status ?? membership.tenantStatus;
  const name = tenant.data?.name ?? membership.tenantName;
  const base = `/t/${encodeURIComponent(membership.tenantId)}`;
  const limit = (value: number | undefined) =>
    tenant.isError ? (
      <span className="text-rose-300" title={tenant.error.message}>
        error
      </span>
    ) : value === undefined ? (
      <span className="text-slate-500">…</span>
    ) : (
      value.toLocaleString("en-US")
    );

  return (
    <tr className="border-b border-line/60 last:border-0">
      <td className="py-2 pr-3">
        <span className="text-slate-100">{name}</span>
        <span className="block font-mono text-xs text-slate-500">{membership.tenantId}</span>
      </td>
      <td className="py-2 pr-3">
        <Badge tone={status === "active" ? "emerald" : "rose"}>{status}</Badge>
      </td>
      <td className="py-2 pr-3 text-right font-mono text-xs">{limit(tenant.data?.limits.ratePerSecond)}</td>
      <td className="py-2 pr-3 text-right font-mono text-xs">{limit(tenant.data?.limits.burst)}</td>
      <td className="py-2 pr-3 text-right font-mono text-xs">{limit(tenant.data?.limits.maxPending)}</td>
      <td className="py-2 pr-3 text-slate-300">
        {tenant.data ? <Time at={tenant.data.createdAt} /> : <span className="text-slate-500">…</span>}
      </td>
      <td className="py-2">
        <div className="flex flex-wrap items-center justify-end gap-1">
          <Link
            href={`${base}/decisions`}
            aria-label={`Open tenant ${membership.tenantId}`}
            className="rounded-md px-2 py-1 text-emerald-300 hover:bg-slate-800 focus-visible:outline-2 focus-visible:outline-emerald-400"
          >
            Open
          </Link>
          <Link
            href={`${base}/settings`}
            aria-label={`Settings of tenant ${membership.tenantId}`}
            className="rounded-md px-2 py-1 text-slate-300 hover:bg-slate-800 focus-visible:outline-2 focus-visible:outline-emerald-400"
          >
            Settings
          </Link>
          {status === "active" ? (
            <Button
              tone="ghost"
              className="text-rose-300"
              aria-label={`Suspend tenant ${membership.tenantId}`}
              onClick={() => onStatus("suspended")}
            >
              Suspend
            </Button>
          ) : (
            <Button
              tone="ghost"
              className="text-emerald-300"
              aria-label={`Activate tenant ${membership.tenantId}`}
              onClick={() => onStatus("active")}
            >
              Activate
            </Button>
          )}
        </div>
      </td>
    </tr>
  );
}
