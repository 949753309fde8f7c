import type { Metadata } from "next";
import { Suspense } from "react";
import { ReplayPage } from "@/components/replay/ReplayPage";
import { Loading } from "@/components/ui";

export const metadata: Metadata = { title: "Replay — ExoArmur" };

export default function Page() {
  return (
    <Suspense fallback={<Loading />}>
      <ReplayPage />
    </Suspense>
  );
}
