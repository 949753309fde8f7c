"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import type { TenantMember } from "@/components/trpc/types";
import {
  ACTIONS_COLUMN,
  Button,
  Card,
  Cell,
  ConfirmDialog,
  EmptyState,
  ErrorState,
  Loading,
  Row,
  Table,
  Time,
} from "@/components/ui";
import { MEMBER_ROLES, type MemberRole } from "@/server/core";
import { InvitationsList, InviteForm } from "./Invitations";

const isMemberRole = (value: string): value is MemberRole =>
  (MEMBER_ROLES as readonly string[]).includes(value);
const ROLE_OPTIONS = MEMBER_ROLES.map((r) => (
  <option key={r} value={r}>
    {r}
  </option>
));

/**
 * Every change of membership gets a second look: a role select can fire on each arrow key, and each
 * change is recorded in the chain.
 */
type Pending =
  | { kind: "remove"; member: TenantMember }
  | { kind: "role"; member: TenantMember; role: MemberRole };

export function MembersSection({ tenantId, selfId }: { tenantId: string; selfId: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const members = useQuery(trpc.tenants.members.queryOptions({ tenantId }));
  const [pending, setPending] = useState<Pending | null>(null);

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.tenants.members.queryKey({ tenantId }) }),
      // Your own role may have changed.
      queryClient.invalidateQueries({ queryKey: trpc.me.pathKey() }),
    ]);

  const setRole = useMutation(
    trpc.tenants.setMember.mutationOptions({
      onSuccess: async () => {
        await refresh();
        setPending(null);
      },
    }),
  );
  const remove = useMutation(
    trpc.tenants.removeMember.mutationOptions({
      onSuccess: async () => {
        await refresh();
        setPending(null);
      },
    }),
  );

  const changeRole = (member: TenantMember, role: MemberRole) => {
    if (role === member.role) return;
    setRole.reset();
    setPending({ kind: "role", member, role });
  };

  const dialog = pending ? dialogText(pending, tenantId, pending.member.userId === selfId) : null;
  const dialogMutation = pending?.kind === "remove" ? remove : setRole;

  return (
    <Card title="Members">
      <div className="flex flex-col gap-5">
        <p className="text-sm text-slate-400">
          People who sign in to the dashboard, with their role in this tenant: <strong>admin</strong>{" "}
          (settings, policies, keys), <strong>operator</strong> (approvals, kill switches),{" "}
          <strong>auditor</strong> (read only).
        </p>

        {members.isPending ? (
          <Loading label="Loading members…" />
        ) : members.isError ? (
          <ErrorState error={members.error} retry={() => void members.refetch()} />
        ) : members.data.length === 0 ? (
          <EmptyState title="No members yet">Invite people below by their email.</EmptyState>
        ) : (
          <Table
            caption={`Members of ${tenantId}`}
            className="min-w-[560px]"
            columns={["Email", "Role", "Since", ACTIONS_COLUMN]}
          >
            {members.data.map((m) => (
              <Row key={m.userId}>
                <Cell>
                  <span className="break-all text-slate-100">{m.email}</span>
                  <span className="block text-xs text-slate-500">
                    {m.name}
                    {m.userId === selfId && " (you)"}
                  </span>
                </Cell>
                <Cell>
                  <select
                    aria-label={`Role of ${m.email}`}
                    value={m.role}
                    onChange={(e) => {
                      if (isMemberRole(e.target.value)) changeRole(m, e.target.value);
                    }}
                    className="rounded-md border border-line bg-surface px-2 py-1 text-sm text-slate-100 focus:outline-2 focus:outline-emerald-400 disabled:opacity-50"
                  >
                    {ROLE_OPTIONS}
                  </select>
                </Cell>
                <Cell className="text-slate-300">
                  <Time at={m.since} />
                </Cell>
                <Cell className="text-right">
                  <Button
                    tone="ghost"
                    className="text-rose-300"
                    aria-label={`Remove member ${m.email}`}
                    onClick={() => {
                      remove.reset();
                      setPending({ kind: "remove", member: m });
                    }}
                  >
                    Remove
                  </Button>
                </Cell>
              </Row>
            ))}
          </Table>
        )}
        {setRole.error && !pending && <ErrorState error={setRole.error} />}

        <InvitationsList tenantId={tenantId} />
        <InviteForm
          tenantId={tenantId}
          onDone={() =>
            queryClient.invalidateQueries({ queryKey: trpc.tenants.invitations.queryKey({ tenantId }) })
          }
        />
      </div>

      <ConfirmDialog
        open={pending !== null}
        title={dialog?.title ?? ""}
        description={dialog?.description}
        confirmLabel={dialog?.confirm ?? ""}
        pending={dialogMutation.isPending}
        error={dialogMutation.error}
        onConfirm={() => {
          if (!pending) return;
          if (pending.kind === "remove") remove.mutate({ tenantId, userId: pending.member.userId });
          else setRole.mutate({ tenantId, member: { email: pending.member.email, role: pending.role } });
        }}
        onCancel={() => setPending(null)}
      />
    </Card>
  );
}

function dialogText(pending: Pending, tenantId: string, self: boolean) {
  if (pending.kind === "remove")
    return {
      title: `Remove ${pending.member.email} from ${tenantId}?`,
      description: self
        ? "This is you: you will lose access to this tenant at once (unless you are a platform admin)."
        : "They lose access to this tenant at once. Their past approvals and changes stay in the history.",
      confirm: "Remove",
    };
  if (!self)
    return {
      title: `Make ${pending.member.email} an ${pending.role} of ${tenantId}?`,
      description: `Their role changes from ${pending.member.role} to ${pending.role} at once.`,
      confirm: "Change role",
    };
  return {
    title: `Change your own role to ${pending.role}?`,
    description:
      pending.role === "admin"
        ? "You will keep full access."
        : "You will no longer be an admin of this tenant: you lose access to these settings at once.",
    confirm: "Change my role",
  };
}
