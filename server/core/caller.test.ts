import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CallerExecution, reportTransition, startTransition } from "./caller";
import { canonicalJson } from "./canonical";
import type { DispatchConditions } from "./dispatch";

const by = { type: "apiKey", id: "key_1" };
const at = "2026-12-01T12:00:00Z";
const awaiting: CallerExecution = {
  id: "exe_1",
  mode: "caller",
  status: "AWAITING_CALLER",
  report: null,
  startKey: null,
};
const conditions = (over: Partial<DispatchConditions> = {}): DispatchConditions => ({
  tenantId: "acme",
  tenantStatus: "active",
  action: "host.isolate",
  requestedAt: "2026-12-01T11:59:00Z",
  ttlSeconds: 600,
  switches: [],
  now: at,
  ...over,
});

describe("startTransition", () => {
  it("starts an awaiting execution with a caller_started event naming who asked", () => {
    expect(startTransition(awaiting, conditions(), by, null)).toEqual({
      kind: "start",
      event: { type: "execution.caller_started", subjectId: "exe_1", at, payload: { by } },
    });
  });

  it("a switch, a lapsed deadline or a suspended tenant blocks it, with the reason", () => {
    const action = {
      id: "ks_1",
      scope: "action" as const,
      tenantId: "acme",
      action: "host.*",
      engaged: true,
      reason: "r",
    };
    const blocked = startTransition(awaiting, conditions({ switches: [action] }), by, null);
    expect(blocked).toMatchObject({
      kind: "block",
      refusal: { reason: "KILL_SWITCH_ACTION", killSwitch: "ks_1" },
      event: {
        type: "execution.blocked",
        payload: { reason: "KILL_SWITCH_ACTION", failureClass: "BLOCKED" },
      },
    });
    expect(startTransition(awaiting, conditions({ ttlSeconds: 30 }), by, null)).toMatchObject({
      kind: "block",
      refusal: { reason: "INTENT_EXPIRED" },
    });
    expect(startTransition(awaiting, conditions({ tenantStatus: "suspended" }), by, null)).toMatchObject({
      kind: "block",
      refusal: { reason: "TENANT_SUSPENDED" },
    });
  });

  it("started once: a retry with the same start key is yes again and writes nothing; any other start is refused", () => {
    const running = { ...awaiting, status: "RUNNING", startKey: "k-1" };
    expect(startTransition(running, conditions(), by, "k-1")).toEqual({ kind: "already" });
    expect(startTransition(running, conditions(), by, "k-2")).toEqual({
      kind: "refuse",
      code: "ALREADY_STARTED",
    });
    expect(startTransition(running, conditions(), by, null)).toEqual({
      kind: "refuse",
      code: "ALREADY_STARTED",
    });
    // Started without a key: nobody can prove to be that caller again.
    expect(startTransition({ ...running, startKey: null }, conditions(), by, null)).toEqual({
      kind: "refuse",
      code: "ALREADY_STARTED",
    });
    for (const status of ["SUCCEEDED", "FAILED", "BLOCKED", "UNREPORTED"])
      expect(startTransition({ ...awaiting, status }, conditions(), by, "k-1")).toEqual({
        kind: "refuse",
        code: "EXECUTION_FINISHED",
      });
    expect(
      startTransition({ ...awaiting, mode: "executor", status: "QUEUED" }, conditions(), by, null),
    ).toEqual({
      kind: "refuse",
      code: "NOT_CALLER_EXECUTED",
    });
  });
});

describe("reportTransition", () => {
  const running = { ...awaiting, status: "RUNNING" };

  it("records succeeded and failed as the final status, with the report on the chain", () => {
    expect(reportTransition(running, { outcome: "succeeded", detail: { rows: 3 } }, by, at)).toEqual({
      kind: "record",
      status: "SUCCEEDED",
      event: {
        type: "execution.reported",
        subjectId: "exe_1",
        at,
        payload: { outcome: "succeeded", detail: { rows: 3 }, by },
      },
    });
    expect(reportTransition(running, { outcome: "failed" }, by, at)).toMatchObject({ status: "FAILED" });
  });

  it("not started, finished, or executor-dispatched: refused with what is wrong", () => {
    expect(reportTransition(awaiting, { outcome: "succeeded" }, by, at)).toEqual({
      kind: "refuse",
      code: "NOT_STARTED",
    });
    expect(reportTransition({ ...awaiting, status: "UNREPORTED" }, { outcome: "succeeded" }, by, at)).toEqual(
      {
        kind: "refuse",
        code: "EXECUTION_FINISHED",
      },
    );
    expect(reportTransition({ ...running, mode: "executor" }, { outcome: "succeeded" }, by, at)).toEqual({
      kind: "refuse",
      code: "NOT_CALLER_EXECUTED",
    });
  });

  it("once reported: the same report (whatever its key order) is the same answer; any other is a conflict", () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 4 }), tie("value"), { maxKeys: 3 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.constantFrom("succeeded", "failed" as const), json, json, (outcome, detail, other) => {
        const stored = { outcome, detail } as const;
        const reported = {
          ...running,
          status: outcome === "succeeded" ? "SUCCEEDED" : "FAILED",
          report: stored,
        };
        const reordered = JSON.parse(JSON.stringify({ detail, outcome }));
        expect(reportTransition(reported, reordered, by, at)).toEqual({ kind: "same" });
        const again = reportTransition(reported, { outcome, detail: other }, by, at);
        expect(again).toEqual(
          canonicalJson(other) === canonicalJson(detail)
            ? { kind: "same" }
            : { kind: "refuse", code: "REPORT_CONFLICT" },
        );
        const flipped = outcome === "succeeded" ? "failed" : "succeeded";
        expect(reportTransition(reported, { outcome: flipped, detail }, by, at)).toEqual({
          kind: "refuse",
          code: "REPORT_CONFLICT",
        });
      }),
    );
  });
});
