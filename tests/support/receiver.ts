import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A real HTTP downstream for executor tests. Per execution id it answers from a script (status,
 * delay, or holding the request until released), records every request with its Idempotency-Key,
 * and, like a real idempotent downstream, applies the effect only the first time it answers 2xx
 * for a key.
 */
export interface Step {
  status: number;
  delayMs?: number;
  /** Keep the request open until `release(id)` (or the client goes away). */
  hold?: boolean;
  headers?: Record<string, string>;
  /** Called after the response is written (e.g. to kill the worker right then). */
  after?: () => void;
}

export interface Received {
  key: string | undefined;
  body: Record<string, unknown>;
  signature: string | undefined;
  /** The W3C trace context the call carried (tracing on). */
  traceparent: string | undefined;
  /** The request's path (notification tests give each channel its own). */
  path: string;
  /** The body exactly as received (to check its signature). */
  raw: string;
}

export interface Receiver {
  url: string;
  requests: Received[];
  applied: Map<string, number>;
  /** Scripts the answers for an execution id (executor calls) or a path (anything else). */
  script(executionId: string, steps: Step[]): void;
  onRequest(listener: (received: Received) => void): void;
  release(executionId: string): void;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => resolve(text));
  });

/**
 * Receivers listen on 127.0.0.1, a loopback address webhooks may not reach unless the operator allows
 * it: tests that send webhooks to one allow this network (EXOARMUR_WEBHOOK_ALLOWED_NETWORKS), in
 * their own process or in the server they start.
 */
export const RECEIVER_NETWORK = "127.0.0.1/32";

export async function startReceiver(): Promise<Receiver> {
  const scripts = new Map<string, Step[]>();
  const held = new Map<string, () => void>();
  const listeners: ((r: Received) => void)[] = [];
  const requests: Received[] = [];
  const applied = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const body = JSON.parse(raw || "{}") as Record<string, unknown>;
    const received: Received = {
      key: req.headers["idempotency-key"] as string | undefined,
      body,
      signature: req.headers["x-exoarmur-signature"] as string | undefined,
      traceparent: req.headers.traceparent as string | undefined,
      path: req.url ?? "/",
      raw,
    };
    requests.push(received);
    for (const listener of listeners) listener(received);
    const id = body.executionId === undefined ? received.path : String(body.executionId);
    const step = scripts.get(id)?.shift() ?? { status: 200 };
    if (step.hold) await new Promise<void>((resolve) => held.set(id, resolve));
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    if (res.destroyed) return;
    if (step.status >= 200 && step.status < 300 && received.key && !applied.has(received.key))
      applied.set(received.key, 1);
    res.writeHead(step.status, { "content-type": "application/json", ...(step.headers ?? {}) });
    res.end(
      JSON.stringify({
        ok: step.status < 300,
        duplicate: step.status < 300 && requests.filter((r) => r.key === received.key).length > 1,
      }),
      () => step.after?.(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    applied,
    script: (executionId, steps) => scripts.set(executionId, [...steps]),
    onRequest: (listener) => listeners.push(listener),
    release: (executionId) => held.get(executionId)?.(),
    close: () =>
      new Promise((resolve) => {
        for (const release of held.values()) release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
