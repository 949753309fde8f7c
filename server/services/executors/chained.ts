// The executor routes as the chain (and so the live feed and JetStream) records them: a webhook's
// URL often embeds a token, and every key of the tenant reads the chain, forever. Only the scheme and
// host are kept, with the SHA-256 of the full URL, so that an auditor who holds a URL can still tell
// whether it is the one that was configured.

import type { ChainedExecutorRoute } from "../../core";
import { nodeCrypto } from "../../crypto/node";
import type { ExecutorConfig } from "./config";

export function chainedRoutes(config: ExecutorConfig): ChainedExecutorRoute[] {
  return config.routes.map((route) => {
    if (route.type !== "webhook") return { type: route.type, actions: route.actions };
    return {
      type: "webhook",
      actions: route.actions,
      ...chainedUrl(route.url),
      timeoutMs: route.timeoutMs,
      hasSecret: route.secret !== undefined,
    };
  });
}

/** A URL as the chain may carry it (notification channels too): scheme, host, SHA-256 of the URL. */
export function chainedUrl(value: string): { scheme: string; host: string; urlHash: string } {
  const url = new URL(value);
  return { scheme: url.protocol.replace(/:$/, ""), host: url.host, urlHash: nodeCrypto.sha256Hex(url.href) };
}
