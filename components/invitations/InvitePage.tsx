"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { authClient } from "@/components/auth/auth-client";
import { fieldError } from "@/components/settings/form-bits";
import { useTRPC } from "@/components/trpc/client";
import type { InvitationInfo } from "@/components/trpc/types";
import { Button, ErrorState, Loading, TextField, Time } from "@/components/ui";

/**
 * The invited person's side of an invitation: accept while signed in as the invited email; signed
 * in as someone else, a clear refusal; not signed in, sign in — or, new here, set a name and
 * password (the account is created and joins). Expired, revoked or used links say so.
 */
export function InvitePage({ token, signedInAs }: { token: string; signedInAs: string | null }) {
  const trpc = useTRPC();
  const info = useQuery({ ...trpc.invitations.describe.queryOptions({ token }), retry: false });

  if (info.isPending) return <Loading label="Reading the invitation…" />;
  if (info.isError) {
    const code = (info.error as { data?: { code?: string } }).data?.code;
    return code === "NOT_FOUND" || code === "BAD_REQUEST" ? (
      <Notice title="This invitation link is not valid">
        Check that you copied the whole link, or ask a tenant admin for a new invitation.
      </Notice>
    ) : (
      <ErrorState error={info.error} retry={() => void info.refetch()} />
    );
  }
  const invitation = info.data;
  const what = (
    <p className="mb-4 text-sm text-slate-300">
      <strong className="text-white">{invitation.email}</strong> is invited to join{" "}
      <strong className="text-white">{invitation.tenantName}</strong>{" "}
      <span className="font-mono text-slate-400">({invitation.tenantId})</span> as{" "}
      <strong className="text-white">{invitation.role}</strong>.
    </p>
  );
  if (invitation.status !== "PENDING")
    return (
      <>
        {what}
        <Notice title={SETTLED[invitation.status].title}>{SETTLED[invitation.status].body}</Notice>
      </>
    );
  return (
    <>
      {what}
      {invitation.viewer === "invitee" ? (
        <AcceptAsSignedIn token={token} invitation={invitation} />
      ) : invitation.viewer === "someone-else" ? (
        <SomeoneElse invitation={invitation} signedInAs={signedInAs} />
      ) : (
        <Anonymous token={token} invitation={invitation} />
      )}
      <p className="mt-4 text-xs text-slate-500">
        This link works once, until <Time at={invitation.expiresAt} />.
      </p>
    </>
  );
}

const SETTLED = {
  ACCEPTED: { title: "This invitation has already been used", body: "Sign in to reach the tenant." },
  REVOKED: { title: "This invitation was revoked", body: "Ask a tenant admin for a new one." },
  EXPIRED: { title: "This invitation has expired", body: "Ask a tenant admin for a new one." },
} as const;

function Notice({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div
      role="alert"
      className="rounded-lg border border-amber-400/40 bg-amber-400/10 p-4 text-sm text-amber-100"
    >
      <p className="font-semibold">{title}</p>
      <p className="mt-1">{children}</p>
    </div>
  );
}

function Joined({ tenantId, tenantName }: { tenantId: string; tenantName: string }) {
  return (
    <div role="status" className="flex flex-col gap-3 text-sm text-emerald-200">
      <p>You are now a member of {tenantName}.</p>
      <Link className="text-emerald-300 underline" href={`/t/${encodeURIComponent(tenantId)}`}>
        Open {tenantName}
      </Link>
    </div>
  );
}

function AcceptAsSignedIn({ token, invitation }: { token: string; invitation: InvitationInfo }) {
  const trpc = useTRPC();
  const accept = useMutation(trpc.invitations.accept.mutationOptions());
  if (accept.isSuccess) return <Joined tenantId={invitation.tenantId} tenantName={invitation.tenantName} />;
  return (
    <div className="flex flex-col gap-3">
      <Button tone="primary" disabled={accept.isPending} onClick={() => accept.mutate({ token })}>
        {accept.isPending ? "Accepting…" : "Accept invitation"}
      </Button>
      {accept.error && <ErrorState error={accept.error} />}
    </div>
  );
}

function SomeoneElse({ invitation, signedInAs }: { invitation: InvitationInfo; signedInAs: string | null }) {
  const router = useRouter();
  return (
    <div className="flex flex-col gap-3">
      <Notice title="This invitation is for someone else">
        You are signed in as {signedInAs ?? "another account"}, but this invitation is for {invitation.email}.
        Sign out, then open the link again as {invitation.email}.
      </Notice>
      <Button
        onClick={async () => {
          await authClient.signOut();
          router.refresh();
          window.location.reload();
        }}
      >
        Sign out
      </Button>
    </div>
  );
}

function Anonymous({ token, invitation }: { token: string; invitation: InvitationInfo }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const [signInFailed, setSignInFailed] = useState(false);
  const join = useMutation(
    trpc.invitations.acceptAsNewPerson.mutationOptions({
      onSuccess: async (joined) => {
        const signIn = await authClient.signIn.email({ email: joined.email, password });
        if (signIn.error) {
          setSignInFailed(true);
          return;
        }
        router.push(`/t/${encodeURIComponent(joined.tenantId)}`);
        router.refresh();
      },
    }),
  );
  const next = encodeURIComponent(`/invite/${token}`);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return setLocal("is required");
    setLocal(null);
    join.mutate({ token, person: { name: name.trim(), password } });
  };
  if (join.isSuccess && signInFailed)
    return (
      <div role="status" className="text-sm text-emerald-200">
        Your account is ready and you are a member of {invitation.tenantName}.{" "}
        <Link className="underline" href="/sign-in">
          Sign in
        </Link>{" "}
        with {invitation.email}.
      </div>
    );
  return (
    <div className="flex flex-col gap-5">
      <div className="text-sm text-slate-300">
        Already have an account for {invitation.email}?{" "}
        <Link className="text-emerald-300 underline" href={`/sign-in?next=${next}`}>
          Sign in to accept
        </Link>
        .
      </div>
      <form
        onSubmit={submit}
        noValidate
        aria-label="Create your account"
        className="flex flex-col gap-3 border-t border-line pt-4"
      >
        <p className="text-sm text-slate-300">New here? Choose your name and a password to join.</p>
        <TextField label="Email" value={invitation.email} readOnly autoComplete="username" />
        <TextField
          label="Your name"
          name="name"
          required
          maxLength={200}
          value={name}
          error={local ?? fieldError(join.error, "name")}
          onChange={(e) => setName(e.target.value)}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
          hint="At least 12 characters."
          value={password}
          error={fieldError(join.error, "password")}
          onChange={(e) => setPassword(e.target.value)}
        />
        {join.error && !fieldError(join.error, "name") && !fieldError(join.error, "password") && (
          <ErrorState error={join.error} />
        )}
        <Button type="submit" tone="primary" disabled={join.isPending || join.isSuccess}>
          {join.isPending || join.isSuccess ? "Creating your account…" : "Create account and join"}
        </Button>
      </form>
    </div>
  );
}
