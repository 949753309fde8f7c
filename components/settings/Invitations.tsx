"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import type { CreatedInvitation, TenantInvitation } from "@/components/trpc/types";
import {
  ACTIONS_COLUMN,
  Badge,
  Button,
  Cell,
  ConfirmDialog,
  ErrorState,
  Loading,
  Row,
  Table,
  TextField,
  Time,
} from "@/components/ui";
import { MEMBER_ROLES, type MemberRole } from "@/server/core";
import { fieldError, InlineForm, SelectField } from "./form-bits";

const isMemberRole = (value: string): value is MemberRole =>
  (MEMBER_ROLES as readonly string[]).includes(value);

const STATUS_TONE = { PENDING: "sky", ACCEPTED: "emerald", REVOKED: "slate", EXPIRED: "amber" } as const;

/**
 * Invite someone by email: nobody is added until that person accepts the link. No email is sent —
 * the link is shown here once, for the admin to pass on.
 */
export function InviteForm({ tenantId, onDone }: { tenantId: string; onDone: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<MemberRole>("operator");
  const [missing, setMissing] = useState(false);
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const invite = useMutation(
    trpc.tenants.invite.mutationOptions({
      onSuccess: async (answer) => {
        setEmail("");
        setCreated(answer);
        await onDone();
      },
    }),
  );

  const submit = () => {
    setCreated(null);
    if (!email.trim()) {
      setMissing(true);
      return;
    }
    invite.mutate({ tenantId, invitation: { email: email.trim(), role } });
  };

  return (
    <InlineForm
      label="Invite a member"
      intro="Invite someone by the email they sign in with (or will sign in with). They join when they open the link and accept; until then nothing changes."
      columns="md:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_auto]"
      submitLabel="Invite"
      pendingLabel="Inviting…"
      mutation={invite}
      placed={["email", "role"]}
      onSubmit={submit}
      status={created && <InvitationLink created={created} />}
    >
      <TextField
        label="Email"
        name="email"
        type="email"
        autoComplete="off"
        placeholder="alex@example.com"
        required
        value={email}
        error={missing ? "is required" : fieldError(invite.error, "email")}
        onChange={(e) => {
          setEmail(e.target.value);
          setMissing(false);
        }}
      />
      <SelectField
        label="Role"
        name="role"
        value={role}
        error={fieldError(invite.error, "role")}
        onChange={(e) => {
          if (isMemberRole(e.target.value)) setRole(e.target.value);
        }}
      >
        {MEMBER_ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </SelectField>
    </InlineForm>
  );
}

/** The link of an invitation just made: shown once, with a copy button. */
function InvitationLink({ created }: { created: CreatedInvitation }) {
  const [copied, setCopied] = useState(false);
  const url = `${window.location.origin}${created.path}`;
  return (
    <div
      role="status"
      aria-live="polite"
      className="flex flex-col gap-2 rounded-md border border-emerald-400/40 bg-emerald-400/10 p-3 text-sm text-emerald-200"
    >
      <p>
        Invitation for <strong>{created.invitation.email}</strong> as {created.invitation.role}. No email is
        sent: give them this link. It is shown only now, and works once until{" "}
        <Time at={created.invitation.expiresAt} />.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <input
          aria-label="Invitation link"
          readOnly
          value={url}
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded-md border border-line bg-surface px-2 py-1 font-mono text-xs text-slate-100"
        />
        <Button
          onClick={() => {
            void navigator.clipboard?.writeText(url).then(() => setCopied(true));
          }}
        >
          {copied ? "Copied" : "Copy link"}
        </Button>
      </div>
    </div>
  );
}

/** The tenant's invitations: pending ones can be revoked. */
export function InvitationsList({ tenantId }: { tenantId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invitations = useQuery(trpc.tenants.invitations.queryOptions({ tenantId }));
  const [pending, setPending] = useState<TenantInvitation | null>(null);
  const revoke = useMutation(
    trpc.tenants.revokeInvitation.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.tenants.invitations.queryKey({ tenantId }) });
        setPending(null);
      },
    }),
  );

  if (invitations.isPending) return <Loading label="Loading invitations…" />;
  if (invitations.isError)
    return <ErrorState error={invitations.error} retry={() => void invitations.refetch()} />;
  if (invitations.data.length === 0) return null;
  return (
    <>
      <Table
        caption={`Invitations to ${tenantId}`}
        className="min-w-[560px]"
        columns={["Email", "Role", "Status", "Expires", ACTIONS_COLUMN]}
      >
        {invitations.data.map((i) => (
          <Row key={i.id}>
            <Cell>
              <span className="break-all text-slate-100">{i.email}</span>
            </Cell>
            <Cell className="text-slate-300">{i.role}</Cell>
            <Cell>
              <Badge tone={STATUS_TONE[i.status]}>{i.status.toLowerCase()}</Badge>
            </Cell>
            <Cell className="text-slate-300">
              <Time at={i.expiresAt} />
            </Cell>
            <Cell className="text-right">
              {i.status === "PENDING" && (
                <Button
                  tone="ghost"
                  className="text-rose-300"
                  aria-label={`Revoke invitation for ${i.email}`}
                  onClick={() => {
                    revoke.reset();
                    setPending(i);
                  }}
                >
                  Revoke
                </Button>
              )}
            </Cell>
          </Row>
        ))}
      </Table>
      <ConfirmDialog
        open={pending !== null}
        title={`Revoke the invitation for ${pending?.email ?? ""}?`}
        description="Its link stops working at once. You can invite them again later."
        confirmLabel="Revoke"
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => {
          if (pending) revoke.mutate({ tenantId, invitationId: pending.id });
        }}
        onCancel={() => setPending(null)}
      />
    </>
  );
}
