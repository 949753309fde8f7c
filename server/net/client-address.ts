// Who is on the other end of a request. Throttles key on it, so it must not be something a client
// can choose: it is the socket's remote address, unless that peer is a proxy named in
// EXOARMUR_TRUSTED_PROXIES (comma-separated CIDRs or addresses) — then the right-most
// X-Forwarded-For entry that is not itself a trusted proxy (entries to its left were written by
// whoever the proxy talked to, and can be anything).
//
// Next route handlers see a Web Request without the socket, so the address is stamped on the Node
// request as it arrives (diagnostics channel `http.server.request.start`, published before the
// server's 'request' listeners run), in a header a client cannot set: any incoming copy is replaced.

import { subscribe } from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";

/** The header the stamp writes; every reader of the client address reads it (clientAddressOf). */
export const CLIENT_ADDRESS_HEADER = "x-exoarmur-client-address";

const UNKNOWN = "unknown";

/** An IPv4-mapped IPv6 address (::ffff:1.2.3.4) is the IPv4 address. */
function normalize(address: string): string {
  const trimmed = address.trim().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? mapped[1]! : trimmed;
}

/** Parses EXOARMUR_TRUSTED_PROXIES; an entry that is not an address or CIDR is an error at start. */
export function parseTrustedProxies(value: string | undefined): BlockList {
  const list = new BlockList();
  for (const raw of (value ?? "").split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    const [address = "", prefix] = entry.split("/");
    const ip = normalize(address);
    const family = isIP(ip);
    if (family === 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix)))
      throw new Error(`EXOARMUR_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, Number(prefix), type);
  }
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * The client address of a request that came from `peer` carrying `forwardedFor` (the
 * X-Forwarded-For header, possibly several joined with commas).
 */
export function resolveClientAddress(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trusted: BlockList,
): string {
  let client = peer ? normalize(peer) : UNKNOWN;
  if (!isTrusted(trusted, client)) return client;
  const hops = (forwardedFor ?? "")
    .split(",")
    .map(normalize)
    .filter((hop) => hop !== "");
  // Walk from the nearest hop outwards; stop at the first one we do not trust.
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!isTrusted(trusted, hop)) return hop;
  }
  return client;
}

const holder = globalThis as unknown as { __exoarmurClientStamp?: (message: unknown) => void };

/** Installs the stamp once per process (boot calls it before the first request is served). */
export function stampClientAddresses(trustedProxies = process.env.EXOARMUR_TRUSTED_PROXIES): void {
  if (holder.__exoarmurClientStamp) return;
  const trusted = parseTrustedProxies(trustedProxies);
  holder.__exoarmurClientStamp = (message: unknown) => {
    const { request, socket } = message as { request: IncomingMessage; socket: { remoteAddress?: string } };
    const forwarded = request.headers["x-forwarded-for"];
    stampRequest(
      request,
      resolveClientAddress(
        socket.remoteAddress,
        Array.isArray(forwarded) ? forwarded.join(",") : forwarded,
        trusted,
      ),
    );
  };
  subscribe("http.server.request.start", holder.__exoarmurClientStamp);
}

/**
 * Writes the address into both views of the request's headers: `headers`, and `rawHeaders` (with
 * every client-sent copy removed), since a Web Request made from the Node request (the REST fast
 * path's, once its headers are copied or iterated) is built from `rawHeaders`.
 */
export function stampRequest(
  request: Pick<IncomingMessage, "headers" | "rawHeaders">,
  address: string,
): void {
  request.headers[CLIENT_ADDRESS_HEADER] = address;
  const raw = request.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2)
    if (raw[i]!.toLowerCase() === CLIENT_ADDRESS_HEADER) raw.splice(i, 2);
  raw.push(CLIENT_ADDRESS_HEADER, address);
}

/** The client address boot's stamp put on the request ("unknown" if it was not served by our server). */
export function clientAddressOf(request: Request | Headers): string {
  const headers = request instanceof Headers ? request : request.headers;
  return headers.get(CLIENT_ADDRESS_HEADER) ?? UNKNOWN;
}
