"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc/client";

type LiveState = "connecting" | "live" | "polling";

/**
 * Keeps a tenant's views fresh: committed events arrive over the tRPC SSE feed (from JetStream) and
 * refresh the given queries, at most twice a second. Without JetStream on the server, it falls back
 * to polling and says so.
 */
export function useLiveRefresh(tenantId: string, queryKeys: readonly (readonly unknown[])[]): LiveState {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>("connecting");
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const keys = useRef(queryKeys);
  keys.current = queryKeys;

  const refresh = () => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      for (const queryKey of keys.current) void queryClient.invalidateQueries({ queryKey: [...queryKey] });
    }, 500);
  };

  const subscription = useSubscription(
    trpc.events.live.subscriptionOptions(
      { tenantId },
      {
        enabled: state !== "polling",
        onStarted: () => setState("live"),
        onData: () => refresh(),
        onError: () => setState("polling"),
      },
    ),
  );

  useEffect(() => {
    if (subscription.status === "error") setState("polling");
  }, [subscription.status]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh reads only refs and stable clients
  useEffect(() => {
    if (state !== "polling") return;
    const timer = setInterval(refresh, 5_000);
    return () => clearInterval(timer);
  }, [state]);

  useEffect(() => () => void (pending.current && clearTimeout(pending.current)), []);
  return state;
}

export function LiveIndicator({ state }: { state: LiveState }) {
  const label = { connecting: "connecting…", live: "live", polling: "refreshing every 5 s (no live feed)" }[
    state
  ];
  return (
    <span
      className="inline-flex items-center gap-1.5 text-xs text-slate-400"
      role="status"
      aria-live="polite"
    >
      <span
        aria-hidden
        className={`h-2 w-2 rounded-full ${state === "live" ? "animate-pulse bg-emerald-400" : state === "polling" ? "bg-amber-400" : "bg-slate-500"}`}
      />
      <span data-testid="live-state">{label}</span>
    </span>
  );
}
