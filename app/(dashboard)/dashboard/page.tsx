import Link from "next/link";
import { redirect } from "next/navigation";
import { EmptyState } from "@/components/ui";
import { serverCaller } from "@/server/api/prefetch";
import { currentUser } from "@/server/auth/current-user";

export const dynamic = "force-dynamic";

/** Opens the first tenant the user may see, or says why there is none. */
export default async function DashboardHome() {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  const caller = await serverCaller();
  const access = await caller.me.get();
  const first = access.memberships[0];
  if (first) {
    // An operator lands where work waits: the approvals queue when something waits there.
    const attention = await caller.attention.get({ tenantId: first.tenantId }).catch(() => null);
    const page = attention && attention.pendingApprovals > 0 ? "approvals" : "decisions";
    redirect(`/t/${encodeURIComponent(first.tenantId)}/${page}`);
  }
  return (
    <EmptyState title="You are not a member of any tenant yet">
      Ask a tenant admin to add {user.email}.{" "}
      {user.platformAdmin && (
        <Link className="text-emerald-300 underline" href="/tenants">
          Create a tenant
        </Link>
      )}
    </EmptyState>
  );
}
