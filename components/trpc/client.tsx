"use client";

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink, httpLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { type ReactNode, useState } from "react";
import type { AppRouter } from "@/server/api/root";

/** The dashboard's only way to the server: tRPC over HTTP (batched) and SSE (live feed). */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** A session that expired (or was signed out elsewhere) sends the user back to sign-in, then here. */
function onError(error: unknown) {
  if ((error as { data?: { code?: string } }).data?.code !== "UNAUTHORIZED") return;
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/sign-in?expired=1&next=${encodeURIComponent(next)}`);
}

function makeQueryClient() {
  return new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // 4xx answers (not found, forbidden, invalid) do not get better by retrying.
        retry: (count, error) => {
          const status = (error as { data?: { httpStatus?: number } }).data?.httpStatus ?? 500;
          return status >= 500 && count < 2;
        },
      },
    },
  });
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === "subscription",
          true: httpSubscriptionLink({ url: "/api/trpc" }),
          // A what-if replay carries a whole draft policy: too big for a GET URL, so it is POSTed
          // (still a query: the server allows the override, and the origin check applies).
          false: splitLink({
            condition: (op) => op.path === "policies.replay",
            true: httpLink({ url: "/api/trpc", methodOverride: "POST" }),
            false: httpBatchLink({ url: "/api/trpc", maxURLLength: 4000 }),
          }),
        }),
      ],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
