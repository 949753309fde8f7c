"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import type { RouterOutputs } from "@/components/trpc/types";
import {
  Badge,
  Button,
  Card,
  ConfirmDialog,
  EmptyState,
  ErrorState,
  Loading,
  TextField,
  Time,
} from "@/components/ui";
import { fieldError, InlineForm, SelectField } from "./form-bits";

type Channel = RouterOutputs["notifications"]["get"]["channels"][number];
type Delivery = RouterOutputs["notifications"]["deliveries"]["deliveries"][number];

const EVENTS = [
  { value: "approval.requested", label: "Approval requested" },
  { value: "approval.resolved", label: "Approval resolved" },
  { value: "killswitch.engaged", label: "Kill switch engaged" },
  { value: "killswitch.released", label: "Kill switch released" },
  { value: "execution.failed", label: "Execution failed" },
  { value: "execution.blocked", label: "Execution blocked" },
] as const;

const statusTone = (status: string) =>
  status === "DELIVERED"
    ? "emerald"
    : status === "FAILED"
      ? "rose"
      : status === "RETRY_WAIT"
        ? "amber"
        : "sky";

/** A stored channel as it is sent back when the list is saved again: without a secret, which keeps it. */
const resend = (c: Channel) => ({
  type: c.type,
  name: c.name,
  url: "url" in c ? c.url : "",
  events: c.events,
  timeoutMs: c.timeoutMs,
});

/** Notification channels (generic signed webhook, Slack) and the latest deliveries. Admins only. */
export function NotificationsSection({ tenantId }: { tenantId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const config = useQuery(trpc.notifications.get.queryOptions({ tenantId }));
  const deliveries = useQuery({
    ...trpc.notifications.deliveries.queryOptions({ tenantId, limit: 20 }),
    refetchInterval: 5000,
  });
  const [removing, setRemoving] = useState<Channel | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.notifications.pathKey() });
  const remove = useMutation(
    trpc.notifications.set.mutationOptions({
      onSuccess: async () => {
        await refresh();
        setRemoving(null);
      },
    }),
  );
  const channels = config.data?.channels ?? [];

  return (
    <Card title="Notifications">
      <div className="flex flex-col gap-5">
        <p className="text-sm text-slate-400">
          Tell people who are not looking: approval requests and results, kill-switch changes, and failed or
          blocked executions go to each channel, retried until delivered, with the same{" "}
          <code className="font-mono text-slate-300">Idempotency-Key</code> on every attempt. Generic webhooks
          are signed like executor webhooks (
          <code className="font-mono text-slate-300">X-ExoArmur-Signature</code>); secrets are never shown.
        </p>

        {config.isPending ? (
          <Loading label="Loading notification channels…" />
        ) : config.isError ? (
          <ErrorState error={config.error} retry={() => void config.refetch()} />
        ) : (
          <>
            <AddChannelForm tenantId={tenantId} existing={channels} onSaved={refresh} />
            {channels.length === 0 ? (
              <EmptyState title="No notification channels yet">
                Add a webhook or a Slack channel above.
              </EmptyState>
            ) : (
              <ul aria-label={`Notification channels of ${tenantId}`} className="flex flex-col gap-2">
                {channels.map((c) => (
                  <li
                    key={c.name}
                    className="flex flex-wrap items-start justify-between gap-3 rounded-lg border border-line p-3"
                  >
                    <div className="flex min-w-0 flex-1 flex-col gap-1">
                      <span className="flex flex-wrap items-center gap-2">
                        <span className="font-medium text-slate-100">{c.name}</span>
                        <Badge tone={c.type === "slack" ? "sky" : "emerald"}>{c.type}</Badge>
                        {c.hasSecret && <Badge>signed</Badge>}
                      </span>
                      <span className="break-all font-mono text-xs text-slate-400">
                        {"url" in c ? c.url : `${c.scheme}://${c.host}/…`}
                      </span>
                      <span className="text-xs text-slate-500">{c.events.join(", ")}</span>
                    </div>
                    <Button
                      tone="ghost"
                      className="text-rose-300"
                      aria-label={`Remove notification channel ${c.name}`}
                      onClick={() => {
                        remove.reset();
                        setRemoving(c);
                      }}
                    >
                      Remove
                    </Button>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}

        <Deliveries query={deliveries} />
      </div>

      <ConfirmDialog
        open={removing !== null}
        title={removing ? `Remove the channel “${removing.name}”?` : ""}
        description="Deliveries still waiting for it fail; nothing more is sent there."
        confirmLabel="Remove"
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() =>
          removing &&
          remove.mutate({
            tenantId,
            config: { channels: channels.filter((c) => c.name !== removing.name).map(resend) },
          })
        }
        onCancel={() => setRemoving(null)}
      />
    </Card>
  );
}

function AddChannelForm({
  tenantId,
  existing,
  onSaved,
}: {
  tenantId: string;
  existing: Channel[];
  onSaved: () => Promise<void>;
}) {
  const trpc = useTRPC();
  const [type, setType] = useState<"webhook" | "slack">("webhook");
  const [name, setName] = useState("");
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState("");
  const [events, setEvents] = useState<string[]>(EVENTS.map((e) => e.value));
  const [notice, setNotice] = useState("");
  const save = useMutation(
    trpc.notifications.set.mutationOptions({
      onSuccess: async () => {
        setNotice(`Channel ${name.trim()} saved.`);
        setName("");
        setUrl("");
        setSecret("");
        await onSaved();
      },
    }),
  );
  // The new channel is sent last: the server's field errors for it are under channels[<its index>].
  const at = (field: string) => fieldError(save.error, `channels[${existing.length}].${field}`);
  const placed = ["type", "name", "url", "secret", "events"].map((f) => `channels[${existing.length}].${f}`);

  const submit = () => {
    setNotice("");
    const channel = {
      type,
      name: name.trim(),
      url: url.trim(),
      events,
      ...(type === "webhook" && secret ? { secret } : {}),
    };
    save.mutate({ tenantId, config: { channels: [...existing.map(resend), channel] } });
  };

  return (
    <InlineForm
      label="Add notification channel"
      columns="md:grid-cols-2"
      submitLabel="Add channel"
      pendingLabel="Saving…"
      mutation={save}
      placed={placed}
      status={
        <p role="status" aria-live="polite" className="text-xs text-emerald-300">
          {notice}
        </p>
      }
      onSubmit={submit}
    >
      <SelectField
        label="Channel type"
        name="type"
        value={type}
        error={at("type")}
        onChange={(e) => setType(e.target.value === "slack" ? "slack" : "webhook")}
      >
        <option value="webhook">Generic webhook (signed JSON)</option>
        <option value="slack">Slack incoming webhook</option>
      </SelectField>
      <TextField
        label="Channel name"
        name="name"
        placeholder="on-call"
        maxLength={64}
        autoComplete="off"
        value={name}
        error={at("name")}
        onChange={(e) => setName(e.target.value)}
      />
      <TextField
        label="URL"
        name="url"
        type="url"
        placeholder={
          type === "slack" ? "https://hooks.slack.com/services/…" : "https://alerts.example.com/exoarmur"
        }
        maxLength={2048}
        autoComplete="off"
        value={url}
        error={at("url")}
        onChange={(e) => setUrl(e.target.value)}
      />
      {type === "webhook" && (
        <TextField
          label="Signing secret"
          name="secret"
          type="password"
          hint="At least 16 characters; the receiver checks X-ExoArmur-Signature with it."
          maxLength={256}
          autoComplete="new-password"
          value={secret}
          error={at("secret")}
          onChange={(e) => setSecret(e.target.value)}
        />
      )}
      <fieldset className="flex flex-col gap-1 md:col-span-2">
        <legend className="text-xs font-medium text-slate-300">Events</legend>
        <div className="flex flex-wrap gap-x-4 gap-y-1">
          {EVENTS.map((e) => (
            <label key={e.value} className="flex items-center gap-2 text-sm text-slate-300">
              <input
                type="checkbox"
                name="events"
                value={e.value}
                checked={events.includes(e.value)}
                onChange={(ev) =>
                  setEvents((list) =>
                    ev.target.checked ? [...list, e.value] : list.filter((v) => v !== e.value),
                  )
                }
              />
              {e.label}
            </label>
          ))}
        </div>
        {at("events") && <p className="text-xs text-rose-300">{at("events")}</p>}
      </fieldset>
    </InlineForm>
  );
}

function Deliveries({
  query,
}: {
  query: { isPending: boolean; isError: boolean; error: unknown; data?: { deliveries: Delivery[] } };
}) {
  if (query.isPending) return <Loading label="Loading deliveries…" />;
  if (query.isError) return <ErrorState error={query.error} />;
  const list = query.data?.deliveries ?? [];
  return (
    <section aria-label="Recent notification deliveries" className="flex flex-col gap-2">
      <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-400">Recent deliveries</h3>
      {list.length === 0 ? (
        <p className="text-sm text-slate-500">Nothing sent yet.</p>
      ) : (
        <ul className="flex flex-col gap-1">
          {list.map((d) => (
            <li
              key={d.id}
              className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-line py-1.5 text-sm last:border-0"
            >
              <Badge tone={statusTone(d.status)}>{d.status}</Badge>
              <span className="text-slate-200">{d.event.type}</span>
              <span className="text-slate-400">→ {d.channel}</span>
              <span className="text-xs text-slate-500">
                {d.attempts} attempt{d.attempts === 1 ? "" : "s"}
              </span>
              {d.lastError && <span className="break-all text-xs text-rose-300">{d.lastError}</span>}
              <span className="text-xs text-slate-500">
                <Time at={d.deliveredAt ?? d.createdAt} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
