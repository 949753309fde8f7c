"use client";

import { skipToken, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";

/** What `policies.replay` takes: a draft policy or a stored version, an optional range and a limit. */
export type ReplayRequestBody = {
  policy?: unknown;
  version?: number;
  from?: string;
  to?: string;
  limit?: number;
};

/**
 * A replay the user starts with a button. The request is kept in state and drives a query (a replay
 * changes nothing); running the same request again refetches instead of showing a cached answer.
 * A replay reads up to thousands of decisions, so it never refetches on its own.
 */
export function useReplay(tenantId: string) {
  const trpc = useTRPC();
  const [request, setRequest] = useState<ReplayRequestBody | null>(null);
  const query = useQuery(
    trpc.policies.replay.queryOptions(request ? { tenantId, request } : skipToken, {
      staleTime: Number.POSITIVE_INFINITY,
      refetchOnWindowFocus: false,
      refetchOnReconnect: false,
      refetchOnMount: false,
    }),
  );
  const run = (next: ReplayRequestBody) => {
    if (request && JSON.stringify(request) === JSON.stringify(next)) void query.refetch();
    else setRequest(next);
  };
  return {
    run,
    request,
    data: query.data,
    error: query.error,
    loading: request !== null && query.isFetching,
    retry: () => void query.refetch(),
  };
}
