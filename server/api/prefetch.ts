import { dehydrate, QueryClient } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import { cache } from "react";
import { appRouter } from "./root";
import { createContext } from "./trpc";

/**
 * Server-side prefetch for dashboard pages: a server component runs the same tRPC procedures the
 * page will ask for (same context, same checks, in-process), and hands the results to the client
 * cache, so the first render already has its data instead of waiting for hydration and a round trip.
 */
const queryClient = cache(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000 } } }));

export const serverTrpc = createTRPCOptionsProxy({
  router: appRouter,
  queryClient,
  ctx: async () => createContext(new Request("http://internal/api/trpc", { headers: await headers() })),
});

/** The prefetched queries, for <HydrationBoundary state={…}>. Failed prefetches are left out: the client retries and shows the error. */
export async function prefetched(queries: readonly { queryKey: readonly unknown[] }[]) {
  const client = queryClient();
  await Promise.all(
    queries.map((options) => client.prefetchQuery(options as Parameters<QueryClient["prefetchQuery"]>[0])),
  );
  return dehydrate(client);
}
