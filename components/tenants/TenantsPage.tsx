"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import type { Membership } from "@/components/trpc/types";
import {
  ACTIONS_COLUMN,
  Badge,
  Button,
  Card,
  Cell,
  type Column,
  ConfirmDialog,
  EmptyState,
  ErrorState,
  Loading,
  PageHeader,
  Row,
  Table,
  Time,
} from "@/components/ui";
import { CreateTenantForm } from "./CreateTenantForm";

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

const TENANT_COLUMNS: Column[] = [
  "Tenant",
  "Status",
  { label: "Rate / s", align: "right" },
  { label: "Burst", align: "right" },
  { label: "Max pending", align: "right" },
  "Created",
  ACTIONS_COLUMN,
];

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
        <Table caption="All tenants" className="min-w-[760px]" columns={TENANT_COLUMNS}>
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
        </Table>
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

  const next =
    status === "active"
      ? ({ status: "suspended", label: "Suspend", className: "text-rose-300" } as const)
      : ({ status: "active", label: "Activate", className: "text-emerald-300" } as const);

  return (
    <Row>
      <Cell>
        <span className="text-slate-100">{name}</span>
        <span className="block font-mono text-xs text-slate-500">{membership.tenantId}</span>
      </Cell>
      <Cell>
        <Badge tone={status === "active" ? "emerald" : "rose"}>{status}</Badge>
      </Cell>
      <Cell className="text-right font-mono text-xs">{limit(tenant.data?.limits.ratePerSecond)}</Cell>
      <Cell className="text-right font-mono text-xs">{limit(tenant.data?.limits.burst)}</Cell>
      <Cell className="text-right font-mono text-xs">{limit(tenant.data?.limits.maxPending)}</Cell>
      <Cell className="text-slate-300">
        {tenant.data ? <Time at={tenant.data.createdAt} /> : <span className="text-slate-500">…</span>}
      </Cell>
      <Cell>
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
          <Button
            tone="ghost"
            className={next.className}
            aria-label={`${next.label} tenant ${membership.tenantId}`}
            onClick={() => onStatus(next.status)}
          >
            {next.label}
          </Button>
        </div>
      </Cell>
    </Row>
  );
}
