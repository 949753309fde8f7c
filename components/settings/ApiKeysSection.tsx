"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { useTenantAccess } from "@/components/shell/tenant-access";
import { useTRPC } from "@/components/trpc/client";
import type { ApiKey, CreatedApiKey } from "@/components/trpc/types";
import {
  ACTIONS_COLUMN,
  Badge,
  Button,
  Card,
  Cell,
  ConfirmDialog,
  EmptyState,
  ErrorState,
  Loading,
  Row,
  Table,
  TextField,
  Time,
} from "@/components/ui";
import { fieldError, InlineForm, SelectField } from "./form-bits";

const KEY_ROLES = [
  { value: "client", label: "client — submits intents, reads its own results" },
  { value: "operator", label: "operator — approves, denies, kill switches" },
  { value: "auditor", label: "auditor — read only, replay, verify" },
  { value: "admin", label: "admin — everything in this tenant" },
] as const;
type KeyRole = (typeof KEY_ROLES)[number]["value"];
const isKeyRole = (value: string): value is KeyRole => KEY_ROLES.some((r) => r.value === value);

const roleTone = (role: string) =>
  role === "admin" ? "amber" : role === "operator" ? "emerald" : role === "auditor" ? "sky" : "slate";

export function ApiKeysSection({ tenantId }: { tenantId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.tenants.apiKeys.queryOptions({ tenantId }));
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.tenants.apiKeys.queryKey({ tenantId }) });

  const revoke = useMutation(
    trpc.tenants.revokeApiKey.mutationOptions({
      onSuccess: async (_, { keyId }) => {
        await refresh();
        setRevoking(null);
        // A revoked key's secret leaves the screen: it no longer opens anything, and it should not linger.
        setCreated((shown) => (shown?.id === keyId ? null : shown));
      },
    }),
  );

  const list = keys.data?.keys ?? [];
  const active = list.filter((k) => !k.revokedAt).length;

  return (
    <Card
      title={
        <span className="flex items-center gap-2">
          API keys {keys.data && <Badge>{active} active</Badge>}
        </span>
      }
    >
      <div className="flex flex-col gap-5">
        <p className="text-sm text-slate-400">
          Automation clients authenticate with <code className="font-mono text-slate-300">Bearer</code> keys.
          Only a hash is stored: a key is shown once, when it is created. Revoking takes effect on the key's
          next request.
        </p>

        {created && <NewKey created={created} onDone={() => setCreated(null)} />}

        <CreateKeyForm
          tenantId={tenantId}
          onCreated={async (key) => {
            setCreated(key);
            await refresh();
          }}
        />

        {keys.isPending ? (
          <Loading label="Loading API keys…" />
        ) : keys.isError ? (
          <ErrorState error={keys.error} retry={() => void keys.refetch()} />
        ) : list.length === 0 ? (
          <EmptyState title="No API keys yet">Create one above for each automation client.</EmptyState>
        ) : (
          <Table
            caption={`API keys of ${tenantId}`}
            className="min-w-[640px]"
            columns={["Name", "Role", "Created", "Last used", "Expires", "Revoked", ACTIONS_COLUMN]}
          >
            {list.map((k) => (
              <Row key={k.id} className={k.revokedAt ? "opacity-60" : ""}>
                <Cell>
                  <span className="text-slate-100">{k.name}</span>
                  <span className="block font-mono text-xs text-slate-500">{k.id}</span>
                  {k.forUser && <span className="block text-xs text-emerald-300">votes as {k.forUser}</span>}
                </Cell>
                <Cell>
                  <Badge tone={roleTone(k.role)}>{k.role}</Badge>
                </Cell>
                <Cell className="text-slate-300">
                  <Time at={k.createdAt} />
                </Cell>
                <Cell className="text-xs" data-testid="key-last-used">
                  {k.lastUsedAt ? (
                    <Time at={k.lastUsedAt} relative />
                  ) : (
                    <span className="text-slate-400">never</span>
                  )}
                </Cell>
                <Cell className="text-xs" data-testid="key-expires">
                  {k.expiresAt ? (
                    <>
                      <Time at={k.expiresAt} />
                      {Date.parse(k.expiresAt) <= Date.now() && <Badge tone="rose">expired</Badge>}
                    </>
                  ) : (
                    <span className="text-slate-400">never</span>
                  )}
                </Cell>
                <Cell className="text-slate-300">
                  {k.revokedAt ? <Time at={k.revokedAt} /> : <span className="text-slate-500">—</span>}
                </Cell>
                <Cell className="text-right">
                  {!k.revokedAt && (
                    <Button
                      tone="ghost"
                      className="text-rose-300"
                      aria-label={`Revoke API key ${k.name}`}
                      onClick={() => {
                        revoke.reset();
                        setRevoking(k);
                      }}
                    >
                      Revoke
                    </Button>
                  )}
                </Cell>
              </Row>
            ))}
          </Table>
        )}
      </div>

      <ConfirmDialog
        open={revoking !== null}
        title={revoking ? `Revoke the API key “${revoking.name}”?` : ""}
        description="Clients using this key are refused from their next request on. A revoked key cannot be restored; create a new one instead."
        confirmLabel="Revoke"
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoking && revoke.mutate({ tenantId, keyId: revoking.id })}
        onCancel={() => setRevoking(null)}
      />
    </Card>
  );
}

function CreateKeyForm({
  tenantId,
  onCreated,
}: {
  tenantId: string;
  onCreated: (key: CreatedApiKey) => Promise<void>;
}) {
  const trpc = useTRPC();
  const [name, setName] = useState("");
  const [role, setRole] = useState<KeyRole>("client");
  const [actsForMe, setActsForMe] = useState(false);
  const [lifetime, setLifetime] = useState<string>("never");
  const [missing, setMissing] = useState(false);
  const { user } = useTenantAccess();
  const create = useMutation(
    trpc.tenants.createApiKey.mutationOptions({
      onSuccess: async (key) => {
        setName("");
        setRole("client");
        await onCreated(key);
      },
    }),
  );

  const submit = () => {
    if (!name.trim()) {
      setMissing(true);
      return;
    }
    // A key that acts for a person votes as them: only for yourself (or a platform admin, via REST/CLI).
    create.mutate({
      tenantId,
      key: {
        name: name.trim(),
        role,
        ...(actsForMe && user ? { forUser: user.email } : {}),
        ...(lifetime !== "never"
          ? { expiresAt: new Date(Date.now() + Number(lifetime) * 24 * 3600 * 1000).toISOString() }
          : {}),
      },
    });
  };

  return (
    <InlineForm
      label="Create API key"
      columns="md:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_minmax(0,1fr)_auto_auto]"
      submitLabel="Create key"
      pendingLabel="Creating…"
      mutation={create}
      placed={["name", "role", "expiresAt"]}
      onSubmit={submit}
    >
      <TextField
        label="Key name"
        name="name"
        placeholder="soar-playbooks"
        maxLength={200}
        required
        autoComplete="off"
        value={name}
        error={missing ? "is required" : fieldError(create.error, "name")}
        onChange={(e) => {
          setName(e.target.value);
          setMissing(false);
        }}
      />
      <SelectField
        label="Key role"
        name="role"
        value={role}
        error={fieldError(create.error, "role")}
        onChange={(e) => {
          if (isKeyRole(e.target.value)) setRole(e.target.value);
        }}
      >
        {KEY_ROLES.map((r) => (
          <option key={r.value} value={r.value}>
            {r.label}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Expires"
        name="expiresAt"
        value={lifetime}
        error={fieldError(create.error, "expiresAt")}
        onChange={(e) => setLifetime(e.target.value)}
      >
        <option value="never">never</option>
        <option value="30">in 30 days</option>
        <option value="90">in 90 days</option>
        <option value="365">in a year</option>
      </SelectField>
      <label className="flex items-center gap-2 self-end pb-2 text-sm text-slate-300">
        <input
          type="checkbox"
          name="forUser"
          checked={actsForMe}
          onChange={(e) => setActsForMe(e.target.checked)}
        />
        Acts for me (votes as {user?.email ?? "me"})
      </label>
    </InlineForm>
  );
}

/** The new key, once: read-only, selectable, copyable, until the admin dismisses it. */
function NewKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);

  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied("yes");
    } catch {
      // No clipboard permission (or an insecure context): leave the key selected for Ctrl+C.
      input.current?.select();
      setCopied("failed");
    }
  };

  return (
    <section
      aria-labelledby={`${id}-title`}
      className="flex flex-col gap-3 rounded-lg border border-amber-400/50 bg-amber-400/10 p-4"
      data-testid="new-api-key"
    >
      <h3 id={`${id}-title`} className="text-sm font-semibold text-amber-100">
        New API key “{created.name}” ({created.role})
      </h3>
      <p className="text-sm text-amber-200" role="note">
        Copy it now: <strong>you will not see it again.</strong> ExoArmur stores only its hash.
      </p>
      <div className="flex flex-wrap items-end gap-2">
        <div className="flex min-w-64 flex-1 flex-col gap-1">
          <label htmlFor={`${id}-key`} className="text-xs font-medium text-amber-100">
            API key
          </label>
          <input
            id={`${id}-key`}
            ref={input}
            readOnly
            value={created.key}
            spellCheck={false}
            onFocus={(e) => e.currentTarget.select()}
            className="rounded-md border border-amber-400/40 bg-surface px-2.5 py-1.5 font-mono text-sm text-slate-100 focus:outline-2 focus:outline-amber-300"
          />
        </div>
        <Button tone="primary" onClick={() => void copy()}>
          {copied === "yes" ? "Copied" : "Copy key"}
        </Button>
        <Button onClick={onDone}>I have stored it</Button>
      </div>
      <p role="status" aria-live="polite" className="text-xs text-amber-200/80">
        {copied === "yes"
          ? "Copied to the clipboard."
          : copied === "failed"
            ? "Copying was not allowed here: the key is selected, press Ctrl+C (⌘C)."
            : ""}
      </p>
    </section>
  );
}
