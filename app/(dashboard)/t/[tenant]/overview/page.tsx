import { HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { Suspense } from "react";
import { OverviewPage } from "@/components/overview/OverviewPage";
import { Loading } from "@/components/ui";
import { prefetched, serverTrpc } from "@/server/api/prefetch";

export const metadata: Metadata = { title: "Overview — ExoArmur" };

// The overview's query groups two weeks of decisions (~0.2 s at 100,000): the page is sent without
// waiting for it, so it paints at once and the numbers follow (docs/BENCHMARKS.md, Dashboard).
export default async function Page() {
  const state = await prefetched([serverTrpc.me.get.queryOptions()]);
  return (
    <HydrationBoundary state={state}>
      <Suspense fallback={<Loading />}>
        <OverviewPage />
      </Suspense>
    </HydrationBoundary>
  );
}
