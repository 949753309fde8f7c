import type { Metadata } from "next";
import { Suspense } from "react";
import { AuditLogPage } from "@/components/audit/AuditLogPage";
import { Loading } from "@/components/ui";

export const metadata: Metadata = { title: "Audit log — ExoArmur" };

// Its filters include times in the viewer's zone, which the server does not know: it loads client-side.
export default function Page() {
  return (
    <Suspense fallback={<Loading />}>
      <AuditLogPage />
    </Suspense>
  );
}
