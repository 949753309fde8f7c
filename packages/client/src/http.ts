// One request to the server: JSON in and out, errors typed, and 429/503 retried after the server's
// Retry-After (with the same idempotency key, so a retried submission is never a second intent).

import { ExoArmurError, type FieldError } from "./errors.js";

export interface ClientConfig {
  baseUrl: string;
  apiKey: string;
  /** Attempts for a request answered 429 or 503, or not answered at all (default 4). */
  maxAttempts?: number;
  /** The longest wait between attempts, whatever Retry-After says (default 30 s). */
  maxRetryDelayMs?: number;
  /** For tests and edge runtimes: the fetch to use (default globalThis.fetch). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  body?: unknown;
  idempotencyKey?: string;
  /** Repeating this request cannot act twice (the server answers a repeat as the first): retry it when unanswered. */
  repeatable?: boolean;
  signal?: AbortSignal;
}

const RETRIED = new Set([429, 503]);

export async function request<T>(
  config: ClientConfig,
  method: "GET" | "POST" | "PUT",
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const attempts = config.maxAttempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await (config.fetch ?? fetch)(new URL(path, config.baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${config.apiKey}`,
          accept: "application/json",
          ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
          ...(options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : {}),
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (cause) {
      if (options.signal?.aborted) throw options.signal.reason ?? cause;
      // Not answered: only safe to repeat when repeating cannot act twice.
      if (attempt < attempts && (method === "GET" || options.idempotencyKey || options.repeatable)) {
        await sleep(backoff(attempt, config), options.signal);
        continue;
      }
      throw new ExoArmurError(`${method} ${path}: ${(cause as Error).message}`, "NETWORK", 0);
    }
    if (response.ok) return (await response.json()) as T;
    const error = await errorFrom(response, method, path);
    if (!RETRIED.has(response.status) || attempt >= attempts) throw error;
    const wait =
      error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : backoff(attempt, config);
    await sleep(Math.min(wait, config.maxRetryDelayMs ?? 30_000), options.signal);
  }
}

async function errorFrom(response: Response, method: string, path: string): Promise<ExoArmurError> {
  const retryAfter = Number(response.headers.get("retry-after"));
  let body: { error?: { code?: string; message?: string; reason?: string; fields?: FieldError[] } } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {}
  const e = body.error ?? {};
  return new ExoArmurError(
    e.message ?? `${method} ${path}: HTTP ${response.status}`,
    e.code ?? `HTTP_${response.status}`,
    response.status,
    e.fields ?? [],
    e.reason,
    Number.isFinite(retryAfter) && response.headers.has("retry-after") ? retryAfter : undefined,
  );
}

const backoff = (attempt: number, config: ClientConfig) =>
  Math.min(250 * 2 ** (attempt - 1), config.maxRetryDelayMs ?? 30_000);

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
