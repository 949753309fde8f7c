import type { Metadata } from "next";
import { Suspense } from "react";
import { ApprovalsPage } from "@/components/approvals/ApprovalsPage";
import { Loading } from "@/components/ui";

export const metadata: Metadata = { title: "Approvals — ExoArmur" };

export default function Page() {
  return (
    <Suspense fallback={<Loading />}>
      <ApprovalsPage />
    </Suspense>
  );
}
