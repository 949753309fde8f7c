import { describe, expect, it } from "vitest";
import { nodeCrypto } from "../crypto/node";
import { nobleCrypto } from "./crypto";
import {
  type Classification,
  classifyOutcome,
  DEFAULT_RETRY,
  type ExecutorOutcome,
  nextStep,
  type RetryConfig,
  retryDelayMs,
} from "./retry";

const http = (status: number, retryAfterMs?: number): ExecutorOutcome =>
  retryAfterMs === undefined ? { kind: "http", status } : { kind: "http", status, retryAfterMs };

describe("classifyOutcome (DESIGN.md Defaults)", () => {
  it.each<[string, ExecutorOutcome, Classification]>([
    ["http 200", http(200), "SUCCESS"],
    ["http 204", http(204), "SUCCESS"],
    ["http 299", http(299), "SUCCESS"],
    ["http 100", http(100), "PERMANENT"],
    ["http 199", http(199), "PERMANENT"],
    ["http 300", http(300), "PERMANENT"],
    ["http 301", http(301), "PERMANENT"],
    ["http 400", http(400), "PERMANENT"],
    ["http 401", http(401), "PERMANENT"],
    ["http 403", http(403), "PERMANENT"],
    ["http 404", http(404), "PERMANENT"],
    ["http 408", http(408), "TRANSIENT"],
    ["http 409", http(409), "PERMANENT"],
    ["http 422", http(422), "PERMANENT"],
    ["http 429", http(429), "TRANSIENT"],
    ["http 499", http(499), "PERMANENT"],
    ["http 500", http(500), "TRANSIENT"],
    ["http 502", http(502), "TRANSIENT"],
    ["http 503", http(503), "TRANSIENT"],
    ["http 599", http(599), "TRANSIENT"],
    ["http 600", http(600), "PERMANENT"],
    ["network error", { kind: "network", code: "ECONNRESET" }, "TRANSIENT"],
    ["timeout", { kind: "timeout" }, "TRANSIENT"],
    ["executor refused", { kind: "refused", detail: "not supported" }, "PERMANENT"],
    ["invalid config or parameters", { kind: "invalid", detail: "missing url" }, "INVALID"],
    [
      "kill switch",
      { kind: "blocked", refusal: { reason: "KILL_SWITCH_GLOBAL", killSwitch: "ks-1" } },
      "BLOCKED",
    ],
  ])("%s → %s", (_name, outcome, expected) => {
    expect(classifyOutcome(outcome)).toBe(expected);
  });
});

describe("nextStep with the default schedule", () => {
  const base = (attempt: number) => Math.min(5000, 200 * 2 ** (attempt - 1));

  it("uses the documented defaults", () => {
    expect(DEFAULT_RETRY).toEqual({ maxAttempts: 5, initialDelayMs: 200, maxDelayMs: 5000 });
  });

  it.each([1, 2, 3, 4])("retries a TRANSIENT failure of attempt %i within [base/2, base]", (attempt) => {
    for (const id of ["exec-1", "exec-2", "exec-3", "e"]) {
      for (const outcome of [
        http(503),
        { kind: "timeout" } as const,
        { kind: "network", code: "x" } as const,
      ]) {
        const step = nextStep(nobleCrypto, id, attempt, outcome);
        expect(step.action).toBe("retry");
        if (step.action !== "retry") return;
        expect(step.failureClass).toBe("TRANSIENT");
        expect(step.delayMs).toBeGreaterThanOrEqual(base(attempt) / 2);
        expect(step.delayMs).toBeLessThanOrEqual(base(attempt));
        expect(Number.isInteger(step.delayMs)).toBe(true);
      }
    }
  });

  it.each([5, 6, 100])("fails EXHAUSTED after a TRANSIENT failure of attempt %i", (attempt) => {
    expect(nextStep(nobleCrypto, "exec-1", attempt, http(503))).toEqual({
      action: "fail",
      failureClass: "EXHAUSTED",
    });
    expect(nextStep(nobleCrypto, "exec-1", attempt, { kind: "timeout" })).toEqual({
      action: "fail",
      failureClass: "EXHAUSTED",
    });
  });

  it.each<[string, ExecutorOutcome, string]>([
    ["http 404", http(404), "PERMANENT"],
    ["http 301", http(301), "PERMANENT"],
    ["refused", { kind: "refused", detail: "no" }, "PERMANENT"],
    ["invalid", { kind: "invalid", detail: "bad url" }, "INVALID"],
    [
      "blocked",
      { kind: "blocked", refusal: { reason: "KILL_SWITCH_GLOBAL", killSwitch: "ks-1" } },
      "BLOCKED",
    ],
  ])("fails a %s outcome immediately, even on attempt 1", (_name, outcome, failureClass) => {
    expect(nextStep(nobleCrypto, "exec-1", 1, outcome)).toEqual({ action: "fail", failureClass });
  });

  it.each([1, 5])("succeeds on a 2xx (attempt %i)", (attempt) => {
    expect(nextStep(nobleCrypto, "exec-1", attempt, http(201))).toEqual({ action: "succeed" });
  });

  it("honours Retry-After when it is longer than the backoff", () => {
    const step = nextStep(nobleCrypto, "exec-1", 1, http(429, 3000));
    expect(step).toEqual({ action: "retry", failureClass: "TRANSIENT", delayMs: 3000 });
  });

  it("caps Retry-After at maxDelayMs", () => {
    const step = nextStep(nobleCrypto, "exec-1", 1, http(503, 60_000));
    expect(step).toEqual({ action: "retry", failureClass: "TRANSIENT", delayMs: 5000 });
  });

  it("keeps the backoff when Retry-After is shorter", () => {
    const backoff = retryDelayMs(nobleCrypto, "exec-1", 4);
    expect(backoff).toBeGreaterThan(10);
    expect(nextStep(nobleCrypto, "exec-1", 4, http(503, 10))).toEqual({
      action: "retry",
      failureClass: "TRANSIENT",
      delayMs: backoff,
    });
  });

  it("does not let Retry-After extend the attempts", () => {
    expect(nextStep(nobleCrypto, "exec-1", 5, http(429, 1000))).toEqual({
      action: "fail",
      failureClass: "EXHAUSTED",
    });
  });
});

describe("jitter", () => {
  it("is pinned: sha256(<executionId>:<attempt>) → equal jitter (changing it changes every replayed schedule)", () => {
    expect(retryDelayMs(nobleCrypto, "exec-1", 1)).toBe(159);
    expect(retryDelayMs(nobleCrypto, "exec-1", 2)).toBe(297);
    expect(retryDelayMs(nobleCrypto, "exec-1", 4)).toBe(1276);
    expect(retryDelayMs(nobleCrypto, "exec-2", 1)).toBe(193);
  });

  it("is the same for the same execution and attempt, with either crypto provider", () => {
    for (let i = 0; i < 20; i++) {
      for (let attempt = 1; attempt <= 4; attempt++) {
        const id = `exec-${i}`;
        const noble = nextStep(nobleCrypto, id, attempt, http(503));
        expect(nextStep(nobleCrypto, id, attempt, http(503))).toEqual(noble);
        expect(nextStep(nodeCrypto, id, attempt, http(503))).toEqual(noble);
      }
    }
  });

  it("differs between executions", () => {
    const delays = Array.from({ length: 20 }, (_, i) => retryDelayMs(nobleCrypto, `exec-${i}`, 3));
    expect(new Set(delays).size).toBeGreaterThan(10);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(400);
    expect(Math.max(...delays)).toBeLessThanOrEqual(800);
  });

  it("differs between attempts of one execution beyond the doubling", () => {
    const units = [1, 2, 3, 4].map((a) => retryDelayMs(nobleCrypto, "exec-1", a) / (200 * 2 ** (a - 1)));
    expect(new Set(units.map((u) => u.toFixed(3))).size).toBeGreaterThan(1);
  });
});

describe("custom RetryConfig", () => {
  const config: RetryConfig = { maxAttempts: 3, initialDelayMs: 1000, maxDelayMs: 1500 };

  it("uses its initial delay and cap", () => {
    for (let i = 0; i < 10; i++) {
      const first = nextStep(nobleCrypto, `x-${i}`, 1, { kind: "timeout" }, config);
      const second = nextStep(nobleCrypto, `x-${i}`, 2, { kind: "timeout" }, config);
      if (first.action !== "retry" || second.action !== "retry") throw new Error("expected retries");
      expect(first.delayMs).toBeGreaterThanOrEqual(500);
      expect(first.delayMs).toBeLessThanOrEqual(1000);
      // base for attempt 2 is min(1500, 2000) = 1500
      expect(second.delayMs).toBeGreaterThanOrEqual(750);
      expect(second.delayMs).toBeLessThanOrEqual(1500);
    }
  });

  it("uses its maxAttempts", () => {
    expect(nextStep(nobleCrypto, "x", 3, { kind: "timeout" }, config)).toEqual({
      action: "fail",
      failureClass: "EXHAUSTED",
    });
    expect(nextStep(nobleCrypto, "x", 2, { kind: "timeout" }, config).action).toBe("retry");
  });

  it("caps Retry-After at its own maxDelayMs", () => {
    expect(nextStep(nobleCrypto, "x", 1, http(503, 10_000), config)).toEqual({
      action: "retry",
      failureClass: "TRANSIENT",
      delayMs: 1500,
    });
  });

  it("with maxAttempts 1 never retries", () => {
    const once: RetryConfig = { ...DEFAULT_RETRY, maxAttempts: 1 };
    expect(nextStep(nobleCrypto, "x", 1, http(500), once)).toEqual({
      action: "fail",
      failureClass: "EXHAUSTED",
    });
  });
});
