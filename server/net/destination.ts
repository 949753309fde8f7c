// Where outbound requests (webhooks today, notifications later) may go. A tenant admin chooses the
// URL, but the request leaves from inside our network: without these rules a webhook could read an
// internal service or the cloud metadata endpoint and hand the answer back through the execution's
// events, or probe internal ports (issue 11 §1).
//
// The rules apply to IP addresses, never to names: a name is checked on what it resolves to, at
// connect time (server/net/guarded-request.ts), so DNS cannot point a checked name elsewhere later.
// Node's BlockList matches an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against IPv4 ranges, so
// the mapped forms fall under the IPv4 rules without a separate unwrap step.

import { BlockList, isIP } from "node:net";

export interface Refusal {
  /** The rule's short name: "loopback", "private", … */
  rule: string;
  /** A sentence naming the rule and its range, fit for a 400's field message. */
  message: string;
}

interface Rule {
  name: string;
  ranges: [address: string, prefix: number][];
}

// Checked in order, so that the narrow IPv6 ranges (::, ::1) are named before ::/96 contains them.
const RULES: Rule[] = [
  {
    name: "unspecified",
    ranges: [
      ["0.0.0.0", 8],
      ["::", 128],
    ],
  },
  {
    name: "loopback",
    ranges: [
      ["127.0.0.0", 8],
      ["::1", 128],
    ],
  },
  {
    name: "private",
    ranges: [
      ["10.0.0.0", 8],
      ["172.16.0.0", 12],
      ["192.168.0.0", 16],
    ],
  },
  {
    name: "link-local",
    ranges: [
      ["169.254.0.0", 16],
      ["fe80::", 10],
    ],
  },
  { name: "carrier-grade NAT", ranges: [["100.64.0.0", 10]] },
  {
    name: "unique-local",
    ranges: [
      ["fc00::", 7],
      ["fec0::", 10],
    ],
  },
  {
    name: "multicast",
    ranges: [
      ["224.0.0.0", 4],
      ["ff00::", 8],
    ],
  },
  // 240/4 (with the broadcast address) is not routable; ::/96 is the deprecated IPv4-compatible
  // form (::127.0.0.1), which BlockList does not unwrap.
  {
    name: "reserved",
    ranges: [
      ["240.0.0.0", 4],
      ["::", 96],
    ],
  },
];

const familyOf = (address: string) => (isIP(address) === 6 ? "ipv6" : "ipv4");

const COMPILED = RULES.map((rule) => {
  const list = new BlockList();
  for (const [address, prefix] of rule.ranges) list.addSubnet(address, prefix, familyOf(address));
  return { name: rule.name, list, shown: rule.ranges.map(([a, p]) => `${a}/${p}`).join(", ") };
});

/** The operator's exceptions (EXOARMUR_WEBHOOK_ALLOWED_NETWORKS), parsed. */
export interface AllowedNetworks {
  list: BlockList;
  size: number;
}

const VARIABLE = "EXOARMUR_WEBHOOK_ALLOWED_NETWORKS";

/** One entry: `10.0.0.0/8`, `fd12::/16`, or a bare address (a single host). */
function addEntry(list: BlockList, entry: string): void {
  const [address = "", prefixText, extra] = entry.split("/");
  const version = isIP(address);
  const max = version === 6 ? 128 : 32;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (
    version === 0 ||
    extra !== undefined ||
    (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) ||
    prefix > max
  )
    throw new Error(`${VARIABLE}: "${entry}" is not a CIDR network (like 10.0.0.0/8 or fd00::/8)`);
  list.addSubnet(address, prefix, version === 6 ? "ipv6" : "ipv4");
}

/** Parses a comma- or space-separated CIDR list; throws naming the first malformed entry. */
export function parseAllowedNetworks(text: string): AllowedNetworks {
  const list = new BlockList();
  const entries = text.split(/[\s,]+/).filter(Boolean);
  for (const entry of entries) addEntry(list, entry);
  return { list, size: entries.length };
}

let cached: { text: string; parsed: AllowedNetworks } | null = null;

/** The exceptions the environment configures now (re-read on change, so tests can set it). */
export function allowedNetworksFromEnv(): AllowedNetworks {
  const text = process.env[VARIABLE] ?? "";
  if (cached?.text !== text) cached = { text, parsed: parseAllowedNetworks(text) };
  return cached.parsed;
}

/**
 * Why an outbound request must not connect to `address` (an IP address as the socket would use
 * it), or null when it may. An allowed network wins over every rule.
 */
export function addressRefusal(address: string, allowed: AllowedNetworks): Refusal | null {
  const version = isIP(address);
  if (version === 0) return { rule: "not an IP address", message: `${address} is not an IP address` };
  const family = version === 6 ? "ipv6" : "ipv4";
  if (allowed.size > 0 && allowed.list.check(address, family)) return null;
  for (const rule of COMPILED) {
    if (rule.list.check(address, family))
      return {
        rule: rule.name,
        message: `must not point at a ${rule.name} address (${rule.shown}); an operator can allow a network with ${VARIABLE}`,
      };
  }
  return null;
}

/** The host of a URL as a bare IP address (brackets of an IPv6 literal removed), or null for a name. */
export function ipLiteralOf(url: URL): string | null {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return isIP(host) ? host : null;
}

/**
 * The configuration-time check: a URL whose host is an address literal (in any of the forms the
 * URL parser normalises: 2130706433, 127.1, 0x7f.1, [::ffff:127.0.0.1]) is checked now; a name
 * is checked on what it resolves to when the request is made.
 */
export function urlDestinationRefusal(url: string, allowed: AllowedNetworks): Refusal | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null; // the URL's own validation reports it
  }
  const literal = ipLiteralOf(parsed);
  return literal ? addressRefusal(literal, allowed) : null;
}
