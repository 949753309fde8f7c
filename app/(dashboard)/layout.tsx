import { headers } from "next/headers";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { Shell } from "@/components/shell/Shell";
import { TRPCReactProvider } from "@/components/trpc/client";
import { getSessionUser } from "@/server/auth/auth";

export const dynamic = "force-dynamic";

/** Every dashboard page needs a session; data itself is fetched through tRPC, which checks again. */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await getSessionUser(await headers());
  if (!user) redirect("/sign-in");
  return (
    <TRPCReactProvider>
      <Shell user={user}>{children}</Shell>
    </TRPCReactProvider>
  );
}
