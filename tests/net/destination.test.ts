import { describe, expect, it } from "vitest";
import { addressRefusal, parseAllowedNetworks, urlDestinationRefusal } from "../../server/net/destination";

// The address rules of issue 11 §1, on the addresses as the dispatcher would connect to them, and
// on URLs as a tenant admin writes them (Node's WHATWG URL parser normalises the host first).

const NONE = parseAllowedNetworks("");

describe("addressRefusal: the ranges a webhook may never reach", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "link-local"],
    ["169.254.0.1", "link-local"],
    ["fe80::1", "link-local"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.254", "carrier-grade NAT"],
    ["fc00::1", "unique-local"],
    ["fd00:ec2::254", "unique-local"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["ff02::1", "multicast"],
    ["0.0.0.0", "unspecified"],
    ["::", "unspecified"],
    ["255.255.255.255", "reserved"],
    // IPv4-mapped IPv6 is unwrapped: the IPv4 rule applies.
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:169.254.169.254", "link-local"],
  ])("refuses %s (%s)", (address, rule) => {
    expect(addressRefusal(address, NONE)?.rule).toBe(rule);
  });

  it.each([
    "8.8.8.8",
    "93.184.215.14",
    "172.32.0.1",
    "100.128.0.1",
    "169.253.255.255",
    "2606:4700::1111",
    "::ffff:8.8.8.8",
  ])("lets %s through", (address) => {
    expect(addressRefusal(address, NONE)).toBeNull();
  });

  it("names the range in its refusal", () => {
    expect(addressRefusal("169.254.169.254", NONE)?.message).toMatch(/link-local.*169\.254\.0\.0\/16/);
  });

  it("refuses what is not an IP address at all", () => {
    expect(addressRefusal("localhost", NONE)?.rule).toBe("not an IP address");
  });
});

describe("EXOARMUR_WEBHOOK_ALLOWED_NETWORKS", () => {
  it("lets the listed networks through, and only them", () => {
    const allowed = parseAllowedNetworks("127.0.0.1/32, 10.20.0.0/16 fd12::/16");
    expect(addressRefusal("127.0.0.1", allowed)).toBeNull();
    expect(addressRefusal("::ffff:127.0.0.1", allowed)).toBeNull();
    expect(addressRefusal("10.20.9.9", allowed)).toBeNull();
    expect(addressRefusal("fd12::5", allowed)).toBeNull();
    expect(addressRefusal("127.0.0.2", allowed)?.rule).toBe("loopback");
    expect(addressRefusal("10.21.0.1", allowed)?.rule).toBe("private");
  });

  it("takes a bare address as a single host", () => {
    const allowed = parseAllowedNetworks("192.168.7.7");
    expect(addressRefusal("192.168.7.7", allowed)).toBeNull();
    expect(addressRefusal("192.168.7.8", allowed)?.rule).toBe("private");
  });

  it.each(["10.0.0.0/33", "not-a-network", "10.0.0/8", "::1/129", "10.0.0.0/-1"])(
    "refuses the malformed entry %s, naming it",
    (entry) => {
      expect(() => parseAllowedNetworks(`127.0.0.1/32,${entry}`)).toThrow(
        new RegExp(`EXOARMUR_WEBHOOK_ALLOWED_NETWORKS.*${entry.replace(/[./]/g, "\\$&")}`),
      );
    },
  );
});

describe("urlDestinationRefusal: the address as written in a URL", () => {
  it.each([
    ["http://127.0.0.1:3999/hook", "loopback"],
    ["http://2130706433/hook", "loopback"],
    ["http://127.1/hook", "loopback"],
    ["http://0x7f.1/hook", "loopback"],
    ["http://0177.0.0.1/hook", "loopback"],
    ["http://[::ffff:127.0.0.1]/hook", "loopback"],
    ["http://[::1]:8080/", "loopback"],
    ["https://169.254.169.254/latest/meta-data/", "link-local"],
    ["http://[fd00::1]/", "unique-local"],
    ["http://0.0.0.0:5432/", "unspecified"],
    ["http://100.64.1.1/", "carrier-grade NAT"],
  ])("refuses %s (%s)", (url, rule) => {
    expect(urlDestinationRefusal(url, NONE)?.rule).toBe(rule);
  });

  it("leaves names and public addresses to the connect-time check", () => {
    expect(urlDestinationRefusal("https://hooks.example.com/x?token=1", NONE)).toBeNull();
    expect(urlDestinationRefusal("https://8.8.8.8/x", NONE)).toBeNull();
  });

  it("lets an allowed network through", () => {
    expect(urlDestinationRefusal("http://127.1:3999/", parseAllowedNetworks("127.0.0.0/8"))).toBeNull();
  });
});
