"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, type FormEvent, type ReactNode, useContext, useState } from "react";
import { useTenantAccess } from "@/components/shell/tenant-access";
import { useTRPC } from "@/components/trpc/client";
import type { KillSwitch, KillSwitchEvent } from "@/components/trpc/types";
import {
  Badge,
  Button,
  Card,
  Cell,
  ConfirmWithReason,
  EmptyState,
  ErrorState,
  Loading,
  PageHeader,
  Row,
  Table,
  TextField,
  Time,
} from "@/components/ui";
import { globProblem } from "@/server/core/glob";

/** The change waiting for its reason in the confirmation dialog. */
type Change =
  | { scope: "global"; engaged: boolean }
  | { scope: "tenant"; engaged: boolean }
  | { scope: "action"; action: string; engaged: boolean };

const PLATFORM_CHAIN = "_platform";

/**
 * Kill switches of one tenant: the global switch (platform admins flip it), the tenant's own switch
 * and its per-action switches (operators and admins), each change with a reason, and the history.
 */
/** Emails and key names for the principal labels the chain records (user:<id>, apiKey:<id>). */
const NamesContext = createContext<Record<string, string>>({});

export function KillSwitchesPage() {
  const access = useTenantAccess();
  const { tenantId } = access;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery({
    ...trpc.killSwitches.list.queryOptions({ tenantId }),
    // Another operator may flip a switch at any moment; keep the state honest.
    refetchInterval: 10_000,
  });
  const [change, setChange] = useState<Change | null>(null);

  const onSuccess = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.killSwitches.pathKey() });
    setChange(null);
  };
  // A refusal (e.g. the switch changed meanwhile) refreshes the state shown behind the dialog.
  const onError = () => void queryClient.invalidateQueries({ queryKey: trpc.killSwitches.pathKey() });
  const setTenant = useMutation(trpc.killSwitches.setTenant.mutationOptions({ onSuccess, onError }));
  const setGlobal = useMutation(trpc.killSwitches.setGlobal.mutationOptions({ onSuccess, onError }));
  const mutation = change?.scope === "global" ? setGlobal : setTenant;

  const ask = (next: Change) => {
    setTenant.reset();
    setGlobal.reset();
    setChange(next);
  };
  const confirm = (reason: string) => {
    if (!change) return;
    // The state this page showed: if someone changed the switch since, the server says so instead.
    const shown = (list.data?.switches ?? []).find((s) =>
      change.scope === "global"
        ? s.scope === "global"
        : change.scope === "tenant"
          ? s.scope === "tenant"
          : s.scope === "action" && s.action === change.action,
    );
    const expectedChangedAt = shown?.changedAt ?? null;
    if (change.scope === "global") setGlobal.mutate({ engaged: change.engaged, reason, expectedChangedAt });
    else
      setTenant.mutate({
        tenantId,
        engaged: change.engaged,
        reason,
        expectedChangedAt,
        ...(change.scope === "action" ? { action: change.action } : {}),
      });
  };

  const switches = list.data?.switches ?? [];
  const global = switches.find((s) => s.scope === "global") ?? null;
  const tenant = switches.find((s) => s.scope === "tenant" && s.tenantId === tenantId) ?? null;
  const actions = switches
    .filter((s) => s.scope === "action" && s.tenantId === tenantId)
    .sort((a, b) => Number(b.engaged) - Number(a.engaged) || (a.action ?? "").localeCompare(b.action ?? ""));
  const canOperate = access.canOperate;
  const readOnly = !access.loading && access.role !== null && !canOperate;

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Kill switches"
        description={
          <>
            An engaged switch denies every new intent it covers and blocks approved work before dispatch. The
            global switch wins over the tenant switch, which wins over action switches. Every change is
            recorded in the hash chain with its reason.
          </>
        }
      />

      {readOnly && (
        <p
          role="note"
          className="rounded-lg border border-sky-400/30 bg-sky-400/10 px-4 py-3 text-sm text-sky-200"
        >
          {access.role === "auditor"
            ? "You are an auditor in this tenant: auditors can view only. Operators and admins engage and release switches."
            : "You can view these switches only. Operators and admins engage and release them."}
        </p>
      )}

      {list.isPending ? (
        <Loading label="Loading kill switches…" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => void list.refetch()} />
      ) : (
        <NamesContext.Provider value={list.data.names}>
          <div className="grid gap-4 lg:grid-cols-2 2xl:grid-cols-3">
            <SwitchCard
              title="Global"
              scopeNote="Stops every tenant. Only platform admins may engage or release it."
              state={global}
              control={
                access.platformAdmin ? (
                  <ToggleButton
                    engaged={global?.engaged ?? false}
                    name="global kill switch"
                    onClick={(engaged) => ask({ scope: "global", engaged })}
                  />
                ) : null
              }
            />
            <SwitchCard
              title={`Tenant ${tenantId}`}
              scopeNote="Stops every action of this tenant."
              state={tenant}
              control={
                canOperate ? (
                  <ToggleButton
                    engaged={tenant?.engaged ?? false}
                    name="tenant kill switch"
                    onClick={(engaged) => ask({ scope: "tenant", engaged })}
                  />
                ) : null
              }
            />
            <ActionSwitches
              switches={actions}
              canOperate={canOperate}
              onToggle={(action, engaged) => ask({ scope: "action", action, engaged })}
            />
          </div>

          <History rows={list.data.history} />
        </NamesContext.Provider>
      )}

      <ConfirmWithReason
        open={change !== null}
        title={change ? dialogTitle(change, tenantId) : ""}
        description={change ? dialogDescription(change) : undefined}
        confirmLabel={change?.engaged ? "Engage" : "Release"}
        tone={change?.engaged ? "danger" : "primary"}
        pending={mutation.isPending}
        error={mutation.error}
        onConfirm={confirm}
        onCancel={() => setChange(null)}
      />
    </div>
  );
}

function dialogTitle(change: Change, tenantId: string): string {
  const verb = change.engaged ? "Engage" : "Release";
  if (change.scope === "global") return `${verb} the global kill switch?`;
  if (change.scope === "tenant") return `${verb} the kill switch of tenant ${tenantId}?`;
  return `${verb} the kill switch for actions ${change.action}?`;
}

function dialogDescription(change: Change) {
  if (!change.engaged)
    return "Actions covered by this switch may be decided and dispatched again (unless another switch still applies).";
  if (change.scope === "global")
    return "Every tenant's new intents will be denied and approved work will not be dispatched until it is released.";
  if (change.scope === "tenant")
    return "This tenant's new intents will be denied and its approved work will not be dispatched until it is released.";
  return (
    <>
      New intents whose action matches <code className="font-mono text-slate-200">{change.action}</code> will
      be denied, and matching approved work will not be dispatched, until it is released.
    </>
  );
}

function StateBadge({ engaged }: { engaged: boolean }) {
  return <Badge tone={engaged ? "rose" : "emerald"}>{engaged ? "engaged" : "released"}</Badge>;
}

function ToggleButton({
  engaged,
  name,
  label,
  onClick,
}: {
  engaged: boolean;
  /** e.g. "tenant kill switch": the button reads "Engage tenant kill switch". */
  name: string;
  /** Shorter visible text, when the accessible name is long. */
  label?: string;
  onClick: (engaged: boolean) => void;
}) {
  const accessible = `${engaged ? "Release" : "Engage"} ${name}`;
  return (
    <Button
      tone={engaged ? "primary" : "danger"}
      aria-label={label ? accessible : undefined}
      onClick={() => onClick(!engaged)}
    >
      {label ?? accessible}
    </Button>
  );
}

/** Who changed a switch, when and why. */
function SwitchDetails({ state }: { state: KillSwitch }) {
  const names = useContext(NamesContext);
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
      <dt className="text-slate-500">{state.engaged ? "Engaged" : "Released"}</dt>
      <dd className="text-slate-300">
        <Time at={state.changedAt} />
      </dd>
      <dt className="text-slate-500">By</dt>
      <dd className="break-all font-mono text-xs text-slate-300">
        {names[state.changedBy] ?? state.changedBy}
      </dd>
      <dt className="text-slate-500">Reason</dt>
      <dd className="whitespace-pre-wrap break-words text-slate-200">{state.reason}</dd>
    </dl>
  );
}

function SwitchCard({
  title,
  scopeNote,
  state,
  control,
}: {
  title: string;
  scopeNote: string;
  state: KillSwitch | null;
  control: ReactNode;
}) {
  const engaged = state?.engaged ?? false;
  return (
    <Card
      title={
        <span className="flex items-center gap-2">
          {title} <StateBadge engaged={engaged} />
        </span>
      }
      className={engaged ? "border-rose-500/50" : ""}
    >
      <div className="flex flex-col gap-3">
        <p className="text-xs text-slate-400">{scopeNote}</p>
        {state ? <SwitchDetails state={state} /> : <p className="text-sm text-slate-400">Never engaged.</p>}
        {control && <div>{control}</div>}
      </div>
    </Card>
  );
}

function ActionSwitches({
  switches,
  canOperate,
  onToggle,
}: {
  switches: KillSwitch[];
  canOperate: boolean;
  onToggle: (action: string, engaged: boolean) => void;
}) {
  const [glob, setGlob] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const engagedCount = switches.filter((s) => s.engaged).length;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const action = glob.trim();
    const bad = globProblem(action);
    setProblem(bad);
    if (bad) return;
    const existing = switches.find((s) => s.action === action);
    if (existing?.engaged) {
      setProblem(`the switch for ${action} is already engaged`);
      return;
    }
    onToggle(action, true);
  };

  return (
    <Card
      title={
        <span className="flex items-center gap-2">
          Action switches
          <Badge tone={engagedCount > 0 ? "rose" : "slate"}>{engagedCount} engaged</Badge>
        </span>
      }
      className="lg:col-span-2 2xl:col-span-1"
    >
      <div className="flex flex-col gap-4">
        <p className="text-xs text-slate-400">
          Stop only the actions whose name matches a glob (<code className="font-mono">*</code> any run of
          characters, <code className="font-mono">?</code> one character), e.g.{" "}
          <code className="font-mono">host.*</code>.
        </p>
        {switches.length === 0 ? (
          <EmptyState title="No action switches yet" />
        ) : (
          <ul className="flex flex-col divide-y divide-line rounded-lg border border-line">
            {switches.map((s) => (
              <li key={s.id} className="flex flex-col gap-2 p-3">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <span className="flex items-center gap-2">
                    <code className="break-all font-mono text-sm text-slate-100">{s.action}</code>
                    <StateBadge engaged={s.engaged} />
                  </span>
                  {canOperate && s.action && (
                    <ToggleButton
                      engaged={s.engaged}
                      name={`kill switch for action ${s.action}`}
                      label={s.engaged ? "Release" : "Engage"}
                      onClick={(engaged) => onToggle(s.action!, engaged)}
                    />
                  )}
                </div>
                <SwitchDetails state={s} />
              </li>
            ))}
          </ul>
        )}
        {canOperate && (
          <form onSubmit={submit} className="flex flex-wrap items-end gap-2" noValidate>
            <div className="min-w-48 flex-1">
              <TextField
                label="Action glob"
                name="action"
                placeholder="host.*"
                autoComplete="off"
                spellCheck={false}
                maxLength={256}
                value={glob}
                error={problem}
                onChange={(e) => {
                  setGlob(e.target.value);
                  setProblem(null);
                }}
              />
            </div>
            <Button type="submit" tone="danger" disabled={!glob.trim()} className={problem ? "mb-5" : ""}>
              Engage action kill switch
            </Button>
          </form>
        )}
      </div>
    </Card>
  );
}

function switchLabel(row: KillSwitchEvent): string {
  if (row.scope === "global") return "global";
  if (row.scope === "tenant") return "tenant";
  return `action ${row.action ?? ""}`;
}

function History({ rows }: { rows: KillSwitchEvent[] }) {
  const names = useContext(NamesContext);
  return (
    <Card title="History">
      {rows.length === 0 ? (
        <EmptyState title="No kill switch has been engaged or released yet" />
      ) : (
        <Table
          caption="Kill switch changes, newest first"
          className="min-w-[720px]"
          columns={["At", "Switch", "Change", "Reason", "By", "Chain seq"]}
        >
          {rows.map((row) => (
            <Row key={`${row.chain}:${row.seq}`} className="align-top">
              <Cell className="text-slate-300">
                <Time at={row.at} />
              </Cell>
              <Cell className="font-mono text-xs text-slate-200">{switchLabel(row)}</Cell>
              <Cell>
                <StateBadge engaged={row.engaged} />
              </Cell>
              <Cell className="max-w-md whitespace-pre-wrap break-words text-slate-200">{row.reason}</Cell>
              <Cell className="break-all font-mono text-xs text-slate-400">{names[row.by] ?? row.by}</Cell>
              <Cell className="whitespace-nowrap font-mono text-xs text-slate-400">
                {`${row.chain === PLATFORM_CHAIN ? "platform" : row.chain} #${row.seq}`}
              </Cell>
            </Row>
          ))}
        </Table>
      )}
    </Card>
  );
}
