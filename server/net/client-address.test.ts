import { describe, expect, it } from "vitest";
import {
  CLIENT_ADDRESS_HEADER,
  parseTrustedProxies,
  resolveClientAddress,
  stampRequest,
} from "./client-address";

describe("resolveClientAddress", () => {
  const none = parseTrustedProxies(undefined);
  const proxies = parseTrustedProxies("10.0.0.0/8, ::1, 192.0.2.1");

  it("without trusted proxies: the socket's address, whatever X-Forwarded-For says", () => {
    expect(resolveClientAddress("203.0.113.5", "1.2.3.4", none)).toBe("203.0.113.5");
    expect(resolveClientAddress("::ffff:127.0.0.1", "1.2.3.4", none)).toBe("127.0.0.1");
    expect(resolveClientAddress(undefined, "1.2.3.4", none)).toBe("unknown");
  });

  it("from an untrusted peer: X-Forwarded-For is ignored even when proxies are configured", () => {
    expect(resolveClientAddress("203.0.113.5", "10.1.1.1", proxies)).toBe("203.0.113.5");
  });

  it("from a trusted proxy: the right-most hop that is not a trusted proxy", () => {
    expect(resolveClientAddress("10.0.0.7", "6.6.6.6, 198.51.100.7", proxies)).toBe("198.51.100.7");
    expect(resolveClientAddress("::1", "6.6.6.6, 198.51.100.7, 10.2.2.2", proxies)).toBe("198.51.100.7");
    expect(resolveClientAddress("::ffff:10.0.0.7", "198.51.100.7", proxies)).toBe("198.51.100.7");
  });

  it("a garbage hop stops the walk at the last address we could trust", () => {
    expect(resolveClientAddress("10.0.0.7", "198.51.100.7, not-an-ip", proxies)).toBe("10.0.0.7");
    expect(resolveClientAddress("10.0.0.7", undefined, proxies)).toBe("10.0.0.7");
  });

  it("a malformed EXOARMUR_TRUSTED_PROXIES entry is an error, not ignored", () => {
    expect(() => parseTrustedProxies("10.0.0.0/8, proxy.example")).toThrow(/EXOARMUR_TRUSTED_PROXIES/);
    expect(() => parseTrustedProxies("10.0.0.0/abc")).toThrow(/EXOARMUR_TRUSTED_PROXIES/);
  });
});

describe("stampRequest", () => {
  it("replaces every client-sent copy in both header views: a Web Request built from rawHeaders sees only the stamp", () => {
    const request = {
      headers: { host: "x", [CLIENT_ADDRESS_HEADER]: "6.6.6.6" } as Record<string, string>,
      rawHeaders: [
        "Host",
        "x",
        "X-Exoarmur-Client-Address",
        "6.6.6.6",
        "x-exoarmur-client-address",
        "7.7.7.7",
      ],
    };
    stampRequest(request as never, "10.9.9.9");
    expect(request.headers[CLIENT_ADDRESS_HEADER]).toBe("10.9.9.9");
    expect(request.rawHeaders).toEqual(["Host", "x", CLIENT_ADDRESS_HEADER, "10.9.9.9"]);
    const pairs: [string, string][] = [];
    for (let i = 0; i < request.rawHeaders.length; i += 2)
      pairs.push([request.rawHeaders[i]!, request.rawHeaders[i + 1]!]);
    expect(new Headers(pairs).get(CLIENT_ADDRESS_HEADER)).toBe("10.9.9.9");
  });
});
