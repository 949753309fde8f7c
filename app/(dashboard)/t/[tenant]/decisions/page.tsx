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
  // Time filters are in the viewer's zone, which the server does not know: those pages load client-side.
  const timed = get("from") || get("to");
  const state = await prefetched([
    serverTrpc.me.get.queryOptions(),
    ...(timed
      ? []
      : [serverTrpc.decisions.list.queryOptions({ tenantId, filter: filterFromSearch(get, false) })]),
  ]);
  return (
    <HydrationBoundary state={state}>
      <Suspense fallback={<Loading />}>
        <DecisionsPage />
      </Suspense>
    </HydrationBoundary>
  );
}
