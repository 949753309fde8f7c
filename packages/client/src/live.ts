// The live feed as a plain SSE reader over fetch (works in Node ≥ 20, browsers and edge runtimes):
// the server's `events.live` tRPC subscription, read without a tRPC client. Each `data:` line is one
// committed chain event of the key's tenant. Used only to learn early that something changed; the
// caller re-reads the state over REST, so a dropped feed costs latency, never correctness.

import type { ClientConfig } from "./http.js";

export interface LiveEvent {
  tenantId: string;
  seq: number;
  type: string;
  subjectId: string;
}

export interface LiveHandlers {
  /** The feed is in place: every event committed from now on will reach `onEvent`. */
  onReady: () => void;
  onEvent: (event: LiveEvent) => void;
}

/** Calls the handlers until `signal` aborts or the feed ends; resolves then. */
export async function followLiveFeed(
  config: ClientConfig,
  handlers: LiveHandlers,
  signal: AbortSignal,
): Promise<void> {
  const url = new URL("/api/trpc/events.live", config.baseUrl);
  url.searchParams.set("input", "{}");
  const response = await (config.fetch ?? fetch)(url, {
    headers: { authorization: `Bearer ${config.apiKey}`, accept: "text/event-stream" },
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`live feed: HTTP ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        dispatch(buffer.slice(0, end), handlers);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
      }
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  } finally {
    reader.releaseLock();
  }
}

function dispatch(block: string, handlers: LiveHandlers) {
  let type = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) type = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
  }
  // tRPC also sends `connected`, `ping` and `return` events: only plain messages carry chain events.
  if (type !== "message" || data.length === 0) return;
  try {
    const event = JSON.parse(data.join("\n")) as LiveEvent;
    if (event?.type === "feed.ready") handlers.onReady();
    else if (event && typeof event.subjectId === "string") handlers.onEvent(event);
  } catch {}
}
