"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import type { Tenant } from "@/components/trpc/types";
import { Badge, Button, Card, ErrorState, Loading, TextField, Time } from "@/components/ui";
import { fieldError, hasUnplacedError, readNumber } from "./form-bits";

const LIMIT_FIELDS = [
  {
    key: "ratePerSecond",
    label: "Rate (intents per second)",
    hint: "Sustained admission rate; above it clients get 429 with Retry-After.",
    step: "any",
  },
  { key: "burst", label: "Burst", hint: "Intents admitted at once before the rate applies.", step: "1" },
  {
    key: "maxPending",
    label: "Max pending executions",
    hint: "Queued or running executions before new ones are refused.",
    step: "1",
  },
] as const;
type LimitKey = (typeof LIMIT_FIELDS)[number]["key"];
type Values = { name: string } & Record<LimitKey, string>;
const PLACED = ["name", "limits.ratePerSecond", "limits.burst", "limits.maxPending"];

const toValues = (t: Tenant): Values => ({
  name: t.name,
  ratePerSecond: String(t.limits.ratePerSecond),
  burst: String(t.limits.burst),
  maxPending: String(t.limits.maxPending),
});

export function GeneralSection({ tenantId, platformAdmin }: { tenantId: string; platformAdmin: boolean }) {
  const trpc = useTRPC();
  const tenant = useQuery(trpc.tenants.get.queryOptions({ tenantId }));
  return (
    <Card
      title="Name and limits"
      actions={
        tenant.data && (
          <Badge tone={tenant.data.status === "active" ? "emerald" : "rose"}>{tenant.data.status}</Badge>
        )
      }
    >
      {tenant.isPending ? (
        <Loading label="Loading tenant…" />
      ) : tenant.isError ? (
        <ErrorState error={tenant.error} retry={() => void tenant.refetch()} />
      ) : (
        <TenantForm tenant={tenant.data} platformAdmin={platformAdmin} />
      )}
    </Card>
  );
}

/** Limits are the platform's (issue 11 §3): a tenant admin sees them, only a platform admin edits them. */
function TenantForm({ tenant, platformAdmin }: { tenant: Tenant; platformAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState<Values>(() => toValues(tenant));
  const [values, setValues] = useState<Values>(saved);
  const [local, setLocal] = useState<Partial<Record<keyof Values, string>>>({});
  const [notice, setNotice] = useState<string | null>(null);

  const update = useMutation(
    trpc.tenants.update.mutationOptions({
      onSuccess: async (updated) => {
        const next = toValues(updated);
        setSaved(next);
        setValues(next);
        setNotice("Saved.");
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.tenants.pathKey() }),
          // The tenant switcher shows the name.
          queryClient.invalidateQueries({ queryKey: trpc.me.pathKey() }),
        ]);
      },
    }),
  );

  const dirty = (Object.keys(values) as (keyof Values)[]).some((k) => values[k] !== saved[k]);
  const error = (key: keyof Values) =>
    local[key] ?? fieldError(update.error, key === "name" ? "name" : `limits.${key}`);

  const set = (key: keyof Values, value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    setLocal((l) => ({ ...l, [key]: undefined }));
    setNotice(null);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errors: Partial<Record<keyof Values, string>> = {};
    if (!values.name.trim()) errors.name = "is required";
    const limits: Partial<Record<LimitKey, number>> = {};
    for (const { key } of platformAdmin ? LIMIT_FIELDS : []) {
      const read = readNumber(values[key], true);
      if (read.error) errors[key] = read.error;
      else limits[key] = read.value;
    }
    setLocal(errors);
    if (Object.keys(errors).length > 0) return;
    update.mutate({
      tenantId: tenant.id,
      changes: platformAdmin ? { name: values.name.trim(), limits } : { name: values.name.trim() },
    });
  };

  return (
    <form onSubmit={submit} noValidate className="flex flex-col gap-4">
      <TextField
        label="Name"
        name="name"
        maxLength={200}
        required
        value={values.name}
        error={error("name")}
        onChange={(e) => set("name", e.target.value)}
      />
      <fieldset className="grid gap-4 sm:grid-cols-3 xl:grid-cols-1 2xl:grid-cols-3">
        <legend className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-400">
          Admission limits
        </legend>
        {!platformAdmin && (
          <p className="col-span-full text-xs text-slate-400">
            Set by the platform admin: ask them if this tenant needs more.
          </p>
        )}
        {LIMIT_FIELDS.map((f) => (
          <TextField
            key={f.key}
            label={f.label}
            name={f.key}
            type="number"
            inputMode={f.step === "1" ? "numeric" : "decimal"}
            min={f.step === "1" ? 1 : 0}
            step={f.step}
            required
            readOnly={!platformAdmin}
            aria-readonly={!platformAdmin}
            value={values[f.key]}
            hint={f.hint}
            error={error(f.key)}
            onChange={(e) => set(f.key, e.target.value)}
          />
        ))}
      </fieldset>
      {hasUnplacedError(update.error, PLACED) && <ErrorState error={update.error} />}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" tone="primary" disabled={!dirty || update.isPending}>
          {update.isPending ? "Saving…" : "Save"}
        </Button>
        {dirty && (
          <Button
            tone="ghost"
            onClick={() => {
              setValues(saved);
              setLocal({});
              update.reset();
            }}
          >
            Discard changes
          </Button>
        )}
        <span role="status" aria-live="polite" className="text-sm text-emerald-300">
          {notice}
        </span>
      </div>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 border-t border-line pt-3 text-xs text-slate-400">
        <dt>Tenant id</dt>
        <dd className="font-mono text-slate-300">{tenant.id}</dd>
        <dt>Active policy</dt>
        <dd className="font-mono text-slate-300">
          {tenant.activePolicyVersion === null ? "none" : `v${tenant.activePolicyVersion}`}
        </dd>
        <dt>Created</dt>
        <dd className="text-slate-300">
          <Time at={tenant.createdAt} />
        </dd>
      </dl>
    </form>
  );
}
