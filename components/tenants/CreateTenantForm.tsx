"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { type FormEvent, useState } from "react";
import { fieldError, hasUnplacedError, readNumber } from "@/components/settings/form-bits";
import { useTRPC } from "@/components/trpc/client";
import { Button, Card, ErrorState, TextField } from "@/components/ui";

const LIMITS = [
  { key: "ratePerSecond", label: "Rate (intents per second)", defaultValue: 200, integer: false },
  { key: "burst", label: "Burst", defaultValue: 400, integer: true },
  { key: "maxPending", label: "Max pending executions", defaultValue: 10_000, integer: true },
] as const;
type LimitKey = (typeof LIMITS)[number]["key"];
type Field = "id" | "name" | LimitKey;
const PLACED = ["id", "name", "limits.ratePerSecond", "limits.burst", "limits.maxPending"];
const EMPTY: Record<Field, string> = { id: "", name: "", ratePerSecond: "", burst: "", maxPending: "" };

/** Creates a tenant; limits left empty take the defaults. The server names any bad field. */
export function CreateTenantForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState(EMPTY);
  const [local, setLocal] = useState<Partial<Record<Field, string>>>({});
  const [createdId, setCreatedId] = useState<string | null>(null);

  const create = useMutation(
    trpc.tenants.create.mutationOptions({
      onSuccess: async (tenant) => {
        setValues(EMPTY);
        setCreatedId(tenant.id);
        await Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.me.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.tenants.pathKey() }),
        ]);
      },
    }),
  );

  const error = (key: Field) =>
    local[key] ?? fieldError(create.error, key === "id" || key === "name" ? key : `limits.${key}`);
  const set = (key: Field, value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    setLocal((l) => ({ ...l, [key]: undefined }));
    setCreatedId(null);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errors: Partial<Record<Field, string>> = {};
    if (!values.id.trim()) errors.id = "is required";
    if (!values.name.trim()) errors.name = "is required";
    const limits: Partial<Record<LimitKey, number>> = {};
    for (const { key } of LIMITS) {
      const read = readNumber(values[key], false);
      if (read.error) errors[key] = read.error;
      else if (read.value !== undefined) limits[key] = read.value;
    }
    setLocal(errors);
    if (Object.keys(errors).length > 0) return;
    create.mutate({
      id: values.id.trim(),
      name: values.name.trim(),
      ...(Object.keys(limits).length > 0 ? { limits } : {}),
    });
  };

  return (
    <Card title="Create tenant">
      <form onSubmit={submit} noValidate aria-label="Create tenant" className="flex flex-col gap-4">
        <TextField
          label="Tenant id"
          name="id"
          placeholder="acme-prod"
          hint="A slug, fixed forever: lowercase letters, digits and inner hyphens."
          autoComplete="off"
          spellCheck={false}
          maxLength={64}
          required
          value={values.id}
          error={error("id")}
          onChange={(e) => set("id", e.target.value)}
        />
        <TextField
          label="Name"
          name="name"
          placeholder="Acme production"
          maxLength={200}
          required
          value={values.name}
          error={error("name")}
          onChange={(e) => set("name", e.target.value)}
        />
        <fieldset className="flex flex-col gap-3">
          <legend className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-400">
            Limits (optional)
          </legend>
          {LIMITS.map((f) => (
            <TextField
              key={f.key}
              label={f.label}
              name={f.key}
              type="number"
              inputMode={f.integer ? "numeric" : "decimal"}
              min={f.integer ? 1 : 0}
              step={f.integer ? 1 : "any"}
              placeholder={String(f.defaultValue)}
              hint={`Empty: ${f.defaultValue.toLocaleString("en-US")}`}
              value={values[f.key]}
              error={error(f.key)}
              onChange={(e) => set(f.key, e.target.value)}
            />
          ))}
        </fieldset>
        {hasUnplacedError(create.error, PLACED) && <ErrorState error={create.error} />}
        <div className="flex flex-wrap items-center gap-3">
          <Button type="submit" tone="primary" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create tenant"}
          </Button>
        </div>
        <div role="status" aria-live="polite" className="text-sm text-emerald-300">
          {createdId && (
            <>
              Tenant <span className="font-mono">{createdId}</span> created.{" "}
              <Link
                className="underline hover:text-emerald-200"
                href={`/t/${encodeURIComponent(createdId)}/settings`}
              >
                Open its settings
              </Link>{" "}
              to add members and API keys.
            </>
          )}
        </div>
      </form>
    </Card>
  );
}
