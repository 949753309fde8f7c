"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc/client";

/** "offline": the feed has been down for a while; the views are polled instead. */
export type LiveState = "connecting" | "live" | "offline";

export interface LiveStatus {
  state: LiveState;
  /** When the views were last refreshed (a live event or a poll), epoch ms. */
  updatedAt: number;
}

/** How long the feed may be down before the page says so and polls. */
const OFFLINE_AFTER_MS = 10_000;
const POLL_EVERY_MS = 5_000;

interface LiveFeed {
  status: LiveStatus;
  /** The queries to refresh on every event (or poll) while the caller is mounted. */
  register(keys: readonly (readonly unknown[])[]): () => void;
}

const LiveFeedContext = createContext<LiveFeed | null>(null);

/**
 * One live feed per tab for the tenant in view: committed events arrive over the tRPC SSE feed (from
 * JetStream) and refresh every registered query, at most twice a second. When the feed is down for
 * about 10 s (no JetStream, a proxy that drops SSE, the server restarting), the page says so and
 * polls every 5 s, while the feed keeps trying to come back.
 */
export function LiveFeedProvider({ tenantId, children }: { tenantId: string; children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>("connecting");
  const [updatedAt, setUpdatedAt] = useState(() => Date.now());
  const registered = useRef(new Set<readonly (readonly unknown[])[]>());
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  const downSince = useRef<number>(Date.now());

  const refresh = () => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      setUpdatedAt(Date.now());
      for (const keys of registered.current)
        for (const queryKey of keys) void queryClient.invalidateQueries({ queryKey: [...queryKey] });
    }, 500);
  };

  const subscription = useSubscription(
    trpc.events.live.subscriptionOptions(
      { tenantId },
      {
        onStarted: () => {
          downSince.current = Number.POSITIVE_INFINITY;
          setState("live");
        },
        // The first message (feed.ready) refreshes too: whatever changed while it was down shows now.
        onData: () => refresh(),
      },
    ),
  );
  const connected = subscription.status === "pending" && state === "live";

  // Down: note since when; after OFFLINE_AFTER_MS say so. An errored feed is retried every 5 s.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reacts to the subscription's status only
  useEffect(() => {
    if (subscription.status === "pending") return;
    if (downSince.current === Number.POSITIVE_INFINITY) downSince.current = Date.now();
    if (state === "live") setState("connecting");
    const wait = Math.max(0, downSince.current + OFFLINE_AFTER_MS - Date.now());
    const offline = setTimeout(() => setState("offline"), wait);
    const retry =
      subscription.status === "error" ? setTimeout(() => subscription.reset(), POLL_EVERY_MS) : undefined;
    return () => {
      clearTimeout(offline);
      if (retry) clearTimeout(retry);
    };
  }, [subscription.status]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh reads only refs and stable clients
  useEffect(() => {
    if (state !== "offline") return;
    const timer = setInterval(refresh, POLL_EVERY_MS);
    return () => clearInterval(timer);
  }, [state]);

  useEffect(() => () => void (pending.current && clearTimeout(pending.current)), []);

  const feed: LiveFeed = {
    status: { state: connected ? "live" : state, updatedAt },
    register(keys) {
      registered.current.add(keys);
      return () => registered.current.delete(keys);
    },
  };
  return <LiveFeedContext.Provider value={feed}>{children}</LiveFeedContext.Provider>;
}

/** Refreshes the given queries on every event of the tenant's live feed (or poll, when it is down). */
export function useLiveRefresh(queryKeys: readonly (readonly unknown[])[]): LiveStatus {
  const feed = useContext(LiveFeedContext);
  if (!feed)
    throw new Error("useLiveRefresh needs a LiveFeedProvider (the Shell puts one around tenant pages)");
  const { register } = feed;
  // A stable wrapper whose contents follow the latest keys: registered once per mount.
  const holder = useRef<(readonly unknown[])[]>([]);
  holder.current.splice(0, holder.current.length, ...queryKeys);
  // biome-ignore lint/correctness/useExhaustiveDependencies: registers the stable holder once
  useEffect(() => register(holder.current), []);
  return feed.status;
}

const hhmm = (at: number) =>
  new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });

export function LiveIndicator({ status }: { status: LiveStatus }) {
  const { state, updatedAt } = status;
  const label =
    state === "live"
      ? "live"
      : state === "connecting"
        ? "connecting…"
        : `not live — updated ${hhmm(updatedAt)}`;
  return (
    <span
      className={`inline-flex items-center gap-1.5 rounded-md px-1.5 py-0.5 text-xs ${state === "offline" ? "bg-amber-400/10 text-amber-200" : "text-slate-400"}`}
      role="status"
      aria-live="polite"
      title={state === "offline" ? "The live feed is down: this page refreshes every 5 s" : undefined}
    >
      <span
        aria-hidden
        className={`h-2 w-2 rounded-full ${state === "live" ? "animate-pulse bg-emerald-400" : state === "offline" ? "bg-amber-400" : "bg-slate-500"}`}
      />
      <span data-testid="live-state">{label}</span>
    </span>
  );
}
