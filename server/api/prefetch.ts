// Server-side prefetch for dashboard pages: a server component runs the same tRPC procedures the
// page will ask for (same context, same checks, in-process), and hands the results to the client
// cache, so the first render already has its data instead of waiting for hydration and a round trip.

import { dehydrate, QueryClient } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { cache } from "react";
import { currentUser } from "../auth/current-user";
import { getDb } from "../db/client";
import { appRouter } from "./root";
import { type Context, createCallerFactory } from "./trpc";

const queryClient = cache(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000 } } }));

// A page render: the session cookie's user (already looked up by the layout), no Bearer, and no
// origin question (nothing is mutated).
const pageContext = async (): Promise<Context> => ({
  db: getDb(),
  bearer: null,
  user: await currentUser(),
  untrustedOrigin: false,
  bearerRejected: false,
});

export const serverTrpc = createTRPCOptionsProxy({ router: appRouter, queryClient, ctx: pageContext });

const createCaller = createCallerFactory(appRouter);

/**
 * The tRPC API called in-process by a server component that needs a result itself (a layout that
 * decides what to render, a page that redirects): same context, same checks as `serverTrpc`.
 */
export const serverCaller = cache(async () => createCaller(await pageContext()));

/** The prefetched queries, for <HydrationBoundary state={…}>. Failed prefetches are left out: the client retries and shows the error. */
export async function prefetched(queries: readonly { queryKey: readonly unknown[] }[]) {
  const client = queryClient();
  await Promise.all(
    queries.map((options) => client.prefetchQuery(options as Parameters<QueryClient["prefetchQuery"]>[0])),
  );
  return dehydrate(client);
}
