import { describe, expect, it } from "vitest";
import { safeNextPath } from "../../components/auth/safe-next";
import { HOSTILE_NEXT } from "../support/hostile-next";

// After sign-in, `?next=` is followed only to a path on this site (issue 11 §2). What was seen:
// `/.//127.0.0.1:3999/pwned` resolved to the path `//127.0.0.1:3999/pwned`, which the router then
// treated as another host. Every form a browser might read as another origin is refused.

const ORIGIN = "http://127.0.0.1:3000";
const FALLBACK = "/dashboard";

describe("safeNextPath", () => {
  it.each(HOSTILE_NEXT)("refuses %j", (next) => {
    expect(safeNextPath(next, ORIGIN)).toBe(FALLBACK);
  });

  it.each([
    ["/t/demo/approvals", "/t/demo/approvals"],
    ["/t/demo/decisions?verdict=DENY&actor=soar-1", "/t/demo/decisions?verdict=DENY&actor=soar-1"],
    ["/t/demo/decisions/dec_123#approval", "/t/demo/decisions/dec_123#approval"],
    ["/t/demo/decisions?next=https://evil.example", "/t/demo/decisions?next=https://evil.example"],
    ["/t/demo/decisions?actor=soar%201", "/t/demo/decisions?actor=soar%201"],
    // What trpc/client.tsx builds after a session ends: a literal % in the query, encoded once.
    ["/t/demo/decisions?actor=100%25", "/t/demo/decisions?actor=100%25"],
    ["/t/acme-prod/policies", "/t/acme-prod/policies"],
    [`${ORIGIN}/t/demo/approvals`, FALLBACK],
  ])("keeps the same-site path %j", (next, expected) => {
    expect(safeNextPath(next, ORIGIN)).toBe(expected);
  });

  it("falls back without a next", () => {
    expect(safeNextPath(null, ORIGIN)).toBe(FALLBACK);
    expect(safeNextPath("", ORIGIN)).toBe(FALLBACK);
  });
});
