// Prometheus metrics, one registry per process (kept on globalThis: Next may load this module twice).

import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

interface Metrics {
  registry: Registry;
  decisions: Counter<"verdict" | "reason">;
  requestSeconds: Histogram<"route" | "method" | "status">;
  refused: Counter<"reason">;
}

const holder = globalThis as unknown as { __exoarmurMetrics?: Metrics };

export function metrics(): Metrics {
  if (!holder.__exoarmurMetrics) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "exoarmur_" });
    holder.__exoarmurMetrics = {
      registry,
      decisions: new Counter({
        name: "exoarmur_decisions_total",
        help: "Decisions made, by verdict and reason",
        labelNames: ["verdict", "reason"],
        registers: [registry],
      }),
      requestSeconds: new Histogram({
        name: "exoarmur_http_request_duration_seconds",
        help: "REST request latency",
        labelNames: ["route", "method", "status"],
        buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      }),
      refused: new Counter({
        name: "exoarmur_http_429_total",
        help: "Requests refused with 429, by reason",
        labelNames: ["reason"],
        registers: [registry],
      }),
    };
  }
  return holder.__exoarmurMetrics;
}
