"use client";

import { useQuery } from "@tanstack/react-query";
import { useParams } from "next/navigation";
import { safeDecode } from "@/components/shell/safe-decode";
import { useTRPC } from "@/components/trpc/client";

/**
 * The current tenant (from the URL) and the signed-in user's role in it. Pages use this only to
 * decide what to show; every procedure checks the role again on the server.
 */
export function useTenantAccess() {
  const params = useParams<{ tenant: string }>();
  const tenantId = safeDecode(params.tenant);
  const trpc = useTRPC();
  const me = useQuery(trpc.me.get.queryOptions());
  const membership = me.data?.memberships.find((m) => m.tenantId === tenantId) ?? null;
  const role = membership?.role ?? null;
  return {
    tenantId,
    role,
    loading: me.isPending,
    isMember: membership !== null,
    canOperate: role === "admin" || role === "operator",
    isAdmin: role === "admin",
    platformAdmin: me.data?.platformAdmin ?? false,
    user: me.data?.user ?? null,
  };
}
