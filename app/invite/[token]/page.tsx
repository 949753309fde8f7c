import type { Metadata } from "next";
import { InvitePage } from "@/components/invitations/InvitePage";
import { CenteredPage } from "@/components/shell/CenteredPage";
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
    <CenteredPage title="Invitation to ExoArmur" width="md">
      <TRPCReactProvider>
        <InvitePage token={safeDecode(token)} signedInAs={user?.email ?? null} />
      </TRPCReactProvider>
    </CenteredPage>
  );
}
