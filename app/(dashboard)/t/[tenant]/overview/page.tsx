import { HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { Suspense } from "react";
import { OverviewPage } from "@/components/overview/OverviewPage";
import { safeDecode } from "@/components/shell/safe-decode";
import { Loading } from "@/components/ui";
import { prefetched, serverTrpc } from "@/server/api/prefetch";

export const metadata: Metadata = { title: "Overview — ExoArmur" };

export default async function Page({ params }: { params: Promise<{ tenant: string }> }) {
  const tenantId = safeDecode((await params).tenant);
  const state = await prefetched([
    serverTrpc.me.get.queryOptions(),
    serverTrpc.overview.get.queryOptions({ tenantId }),
  ]);
  return (
    <HydrationBoundary state={state}>
      <Suspense fallback={<Loading />}>
        <OverviewPage />
      </Suspense>
    </HydrationBoundary>
  );
}
