import { describe, expect, it } from "vitest";
import { maskSecrets, REDACT_PATHS, requestIdFrom } from "./log";

describe("what the logger keeps out of lines", () => {
  it("masks bearer credentials and API keys in text, and nothing else", () => {
    expect(maskSecrets("auth failed for Bearer abc.def-123, retry")).toBe(
      "auth failed for Bearer [redacted], retry",
    );
    expect(maskSecrets('key "exo_AbCdEf0123456789_-x" revoked')).toBe('key "[redacted]" revoked');
    expect(maskSecrets("execution exe_123 of tenant exo (5 attempts)")).toBe(
      "execution exe_123 of tenant exo (5 attempts)",
    );
  });

  it("redacts secret fields at the top, one level down and in headers", () => {
    for (const path of ["authorization", "*.secret", "headers.cookie", '*.headers["set-cookie"]', "*.token"])
      expect(REDACT_PATHS).toContain(path);
  });

  it("takes a client's request id only when it is a plain token", () => {
    expect(requestIdFrom("soar-run-42")).toBe("soar-run-42");
    for (const hostile of ['x","level":"fatal', "a b", "x".repeat(129), "", null])
      expect(requestIdFrom(hostile)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
  });
});
