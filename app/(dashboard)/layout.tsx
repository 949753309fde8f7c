import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { Shell } from "@/components/shell/Shell";
import { TRPCReactProvider } from "@/components/trpc/client";
import { currentUser } from "@/server/auth/current-user";

export const dynamic = "force-dynamic";

/** Every dashboard page needs a session; data itself is fetched through tRPC, which checks again. */
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await currentUser();
  if (!user) redirect("/sign-in");
  return (
    <TRPCReactProvider>
      <Shell user={user}>{children}</Shell>
    </TRPCReactProvider>
  );
}
