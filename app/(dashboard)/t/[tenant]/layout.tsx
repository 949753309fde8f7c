import Link from "next/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { safeDecode } from "@/components/shell/safe-decode";
import { serverCaller } from "@/server/api/prefetch";
import { currentUser } from "@/server/auth/current-user";

export const dynamic = "force-dynamic";

/**
 * Pages of one tenant render only for its members (and platform admins). Anyone else gets the same
 * "not found" as for a tenant that does not exist — typing another tenant's URL reveals nothing.
 * (The tRPC procedures check again; this is so the page says so at once.)
 */
export default async function TenantLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ tenant: string }>;
}) {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  const tenantId = safeDecode((await params).tenant);
  const role = await (await serverCaller()).me.tenantRole({ tenantId });
  if (!role) {
    return (
      <div
        role="alert"
        className="rounded-lg border border-rose-500/40 bg-rose-500/10 p-6 text-sm text-rose-200"
      >
        <p className="font-semibold">Tenant not found</p>
        <p className="mt-1">
          There is no tenant <span className="font-mono">{tenantId}</span> that you are a member of.
        </p>
        <Link href="/dashboard" className="mt-3 inline-block text-emerald-300 underline">
          Back to your tenants
        </Link>
      </div>
    );
  }
  return children;
}
