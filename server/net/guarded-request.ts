// One outbound HTTP(S) request to a destination a tenant chose (a webhook today, a notification
// later), made so that it cannot be turned against our own network (issue 11 §1):
//
// - the host is resolved once, here; every address it resolves to must pass the address rules
//   (server/net/destination.ts), and the socket connects to the address that was checked — the
//   request's `lookup` hands that address back instead of resolving again, so a DNS answer that
//   changes between check and connect (rebinding) changes nothing;
// - a refused destination fails before any connection with one message that names neither the
//   address nor the port, so a tenant cannot tell a refused address from a closed port;
// - redirects are never followed (node:http does not follow them), and at most `maxResponseBytes`
//   of the answer are read before the socket is destroyed, so a huge answer costs nothing;
// - one deadline covers resolution, connection, the answer's head and the excerpt;
// - with tracing on, it is a client span, and the request carries its `traceparent` (the span
//   names the scheme, host and port only: a webhook URL's path and query may hold a secret).

import { lookup as dnsLookup } from "node:dns/promises";
import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestOptions,
} from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { isIP } from "node:net";
import { failSpan, injectTraceHeaders, inSpan, SpanKind, tracingEnabled } from "../telemetry/tracing";
import {
  addressRefusal,
  allowedNetworksFromEnv,
  ipLiteralOf,
  parseAllowedNetworks,
  type Refusal,
} from "./destination";

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** How a name becomes addresses; a seam for tests (a rebinding resolver), node:dns otherwise. */
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

export interface GuardedRequestOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** The most of the answer's body that is read; the rest is never received. */
  maxResponseBytes: number;
  /** A CIDR list of exceptions; EXOARMUR_WEBHOOK_ALLOWED_NETWORKS when omitted. */
  allowedNetworks?: string;
  lookup?: Resolve;
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The first `maxResponseBytes` of the body, as UTF-8. */
  excerpt: string;
  /** Whether the body went on past the excerpt (and was cut off). */
  truncated: boolean;
}

/**
 * The destination may not be reached. Its message is the same whatever the address and port were
 * (the rule is kept in `refusal` for the server's own log, not for the tenant).
 */
export class DestinationRefusedError extends Error {
  override name = "DestinationRefusedError";
  readonly code = "DESTINATION_REFUSED";
  constructor(readonly refusal: Refusal) {
    super("destination not allowed: it resolves to an address outbound requests may not reach");
  }
}

const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

function timeoutError(timeoutMs: number): Error {
  const error = new Error(`no answer within ${timeoutMs} ms`);
  error.name = "TimeoutError";
  return error;
}

/** Resolves `hostname` and checks every address; the first one is where the socket goes. */
async function checkedAddress(
  hostname: string,
  resolve: Resolve,
  allowedText: string | undefined,
): Promise<ResolvedAddress> {
  const allowed = allowedText === undefined ? allowedNetworksFromEnv() : parseAllowedNetworks(allowedText);
  const addresses = isIP(hostname)
    ? [{ address: hostname, family: isIP(hostname) }]
    : await resolve(hostname.replace(/\.$/, ""));
  if (addresses.length === 0)
    throw Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" });
  for (const { address } of addresses) {
    const refusal = addressRefusal(address, allowed);
    if (refusal) throw new DestinationRefusedError(refusal);
  }
  return addresses[0]!;
}

/** A `lookup` for the socket that answers the checked address, never asking DNS again. */
function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    // With autoSelectFamily (Node 20's default) the socket asks for every address at once.
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: ResolvedAddress[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
}

/** Reads at most `max` bytes of the body, then destroys the response (and so the socket). */
function readExcerpt(
  response: IncomingMessage,
  max: number,
): Promise<{ excerpt: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (truncated: boolean) => {
      resolve({ excerpt: Buffer.concat(chunks).subarray(0, max).toString("utf8"), truncated });
    };
    response.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= max) {
        // Enough: stop reading and drop the connection rather than drain the rest.
        response.destroy();
        finish(size > max || !response.complete);
      }
    });
    response.on("end", () => finish(false));
    response.on("error", (error) => (size >= max ? undefined : reject(error)));
  });
}

export function guardedRequest(options: GuardedRequestOptions): Promise<GuardedResponse> {
  if (!tracingEnabled()) return exchange(options);
  return inSpan(
    options.method,
    () => ({ kind: SpanKind.CLIENT, attributes: destinationAttributes(options) }),
    async (span) => {
      const headers = { ...options.headers };
      injectTraceHeaders(headers);
      const response = await exchange({ ...options, headers });
      span?.setAttribute("http.response.status_code", response.status);
      if (span && response.status >= 500) failSpan(span, `HTTP ${response.status}`);
      return response;
    },
  );
}

function destinationAttributes(options: GuardedRequestOptions): Record<string, string | number> {
  try {
    const url = new URL(options.url);
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    return {
      "http.request.method": options.method,
      "url.scheme": url.protocol.slice(0, -1),
      "server.address": url.hostname,
      "server.port": port,
    };
  } catch {
    return { "http.request.method": options.method };
  }
}

async function exchange(options: GuardedRequestOptions): Promise<GuardedResponse> {
  const url = new URL(options.url);
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`unsupported protocol ${url.protocol}`);
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const expired = new Promise<never>((_, reject) => {
    deadline.addEventListener("abort", () => reject(timeoutError(options.timeoutMs)), { once: true });
  });
  expired.catch(() => {}); // observed below; never an unhandled rejection
  const hostname = ipLiteralOf(url) ?? url.hostname;
  const target = await Promise.race([
    checkedAddress(hostname, options.lookup ?? systemResolve, options.allowedNetworks),
    expired,
  ]);
  const requestOptions: RequestOptions = {
    method: options.method,
    hostname,
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    headers:
      options.body === undefined
        ? options.headers
        : { ...options.headers, "content-length": String(Buffer.byteLength(options.body)) },
    lookup: pinnedLookup(target),
    agent: false, // a fresh socket per request: no pooled connection to a previously checked address
    signal: deadline,
  };
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const answered = new Promise<GuardedResponse>((resolve, reject) => {
    const request = send(requestOptions, (response) => {
      readExcerpt(response, options.maxResponseBytes).then(
        ({ excerpt, truncated }) =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, excerpt, truncated }),
        reject,
      );
    });
    request.on("error", (error) => reject(deadline.aborted ? timeoutError(options.timeoutMs) : error));
    request.end(options.body);
  });
  return Promise.race([answered, expired]);
}
