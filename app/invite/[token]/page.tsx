import type { Metadata } from "next";
import { InvitePage } from "@/components/invitations/InvitePage";
import { ShieldMark } from "@/components/ShieldMark";
import { safeDecode } from "@/components/shell/safe-decode";
import { TRPCReactProvider } from "@/components/trpc/client";
import { currentUser } from "@/server/auth/current-user";

// The token is in the URL: it must not leave in a Referer header.
export const metadata: Metadata = { title: "Invitation — ExoArmur", referrer: "no-referrer" };
export const dynamic = "force-dynamic";

/** `/invite/<token>`: open without a session (a new person sets a password here); tRPC checks everything. */
export default async function Page({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const user = await currentUser();
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-md rounded-xl border border-line bg-surface-raised/80 p-6 shadow-xl">
        <div className="mb-6 flex items-center gap-2">
          <ShieldMark />
          <h1 className="text-lg font-semibold text-white">Invitation to ExoArmur</h1>
        </div>
        <TRPCReactProvider>
          <InvitePage token={safeDecode(token)} signedInAs={user?.email ?? null} />
        </TRPCReactProvider>
      </div>
    </main>
  );
}
