import { HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { Suspense } from "react";
import { DecisionsPage } from "@/components/decisions/DecisionsPage";
import { filterFromSearch } from "@/components/decisions/filter";
import { safeDecode } from "@/components/shell/safe-decode";
import { Loading } from "@/components/ui";
import { prefetched, serverTrpc } from "@/server/api/prefetch";

export const metadata: Metadata = { title: "Decisions — ExoArmur" };

export default async function Page({
  params,
  searchParams,
}: {
  params: Promise<{ tenant: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const tenantId = safeDecode((await params).tenant);
  const search = await searchParams;
  const get = (name: string) => (typeof search[name] === "string" ? (search[name] as string) : null);
  // Time filters are UTC instants in the URL, so the server asks exactly what the page will.
  const state = await prefetched([
    serverTrpc.me.get.queryOptions(),
    serverTrpc.decisions.list.queryOptions({ tenantId, filter: filterFromSearch(get) }),
  ]);
  return (
    <HydrationBoundary state={state}>
      <Suspense fallback={<Loading />}>
        <DecisionsPage />
      </Suspense>
    </HydrationBoundary>
  );
}
