import { redirect } from "next/navigation";
import { safeDecode } from "@/components/shell/safe-decode";
import { serverCaller } from "@/server/api/prefetch";

/** An operator lands where work waits: the approvals queue when something waits there, else decisions. */
export default async function TenantHome({ params }: { params: Promise<{ tenant: string }> }) {
  const { tenant } = await params;
  const attention = await (await serverCaller()).attention
    .get({ tenantId: safeDecode(tenant) })
    .catch(() => null);
  redirect(`/t/${tenant}/${attention && attention.pendingApprovals > 0 ? "approvals" : "decisions"}`);
}
