import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ActionDenied,
  createClient,
  type Decision,
  type ExoArmurClient,
  ExoArmurError,
  type GuardContext,
} from "../../packages/client/src";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY } from "../support/fixtures";
import { startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";
import { actionSwitch, tenantOverRest, voteOverRest } from "./rest-tenant";

// The SDK's guard (issue 15 §2) against a real server, database and nats-server: it submits the
// intent caller-executed, waits for people when needed, runs fn only when allowed (the server
// re-checks the switches when guard starts the execution), reports how fn ended, and returns fn's
// result or throws ActionDenied. Each test counts fn's runs: the action itself.

let server: TestServer;
let keys: Record<string, string>;
let exo: ExoArmurClient;
let n = 0;
const key = () => `guard-${process.pid}-${++n}`;
const intent = (
  actionClass: "A1_soft" | "A2_hard" | "A3_irreversible",
  fields: Record<string, unknown> = {},
) => ({
  actor: { type: "agent", id: "guard-test" },
  action: "host.isolate",
  actionClass,
  target: `web-${++n}`,
  parameters: { ticket: `T-${n}` },
  ...fields,
});

/** fn for guard: counts its runs and keeps what guard told it. */
function action<T>(result: T | (() => T)) {
  const runs: GuardContext[] = [];
  const fn = async (context: GuardContext) => {
    runs.push(context);
    return typeof result === "function" ? (result as () => T)() : result;
  };
  return { fn, runs };
}

/** The first decision guard reported waiting on. */
const firstPending = async (pending: Decision[]) =>
  (await until(
    async () => pending[0],
    (d) => d !== undefined,
  ))!;

beforeAll(async () => {
  const database = await createTestDatabase();
  server = await startServer({ DATABASE_URL: database.url });
  keys = await tenantOverRest(server, "guard", DEMO_POLICY, { people: ["olga", "piet"] });
  exo = createClient({ baseUrl: server.baseUrl, apiKey: keys.client! });
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

describe("guard", () => {
  it("ALLOW: fn runs once and its result is returned and reported; the execution is the caller's, never dispatched", async () => {
    const { fn, runs } = action({ isolated: true });
    const result = await exo.guard(intent("A1_soft"), fn, {
      idempotencyKey: key(),
      report: (r) => ({ outcome: "succeeded", detail: r }),
    });
    expect(result).toEqual({ isolated: true });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ outcome: "ALLOW", decisionId: expect.stringMatching(/^dec_/) });
    const execution = await exo.getExecution(runs[0]!.executionId);
    expect(execution).toMatchObject({
      status: "SUCCEEDED",
      mode: "caller",
      report: { outcome: "succeeded", detail: { isolated: true } },
    });
    // The caller started and reported it; no executor attempt: the dispatcher never touched it.
    const types = execution.events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["execution.caller_started", "execution.reported"]));
    expect(types).not.toContain("execution.attempted");
  });

  it("DENY: fn never runs; ActionDenied names the reason, the deciding rule and the decision", async () => {
    const { fn, runs } = action("never");
    const denied = await exo.guard(intent("A3_irreversible"), fn, { idempotencyKey: key() }).catch((e) => e);
    expect(denied).toBeInstanceOf(ActionDenied);
    expect(denied).toMatchObject({
      outcome: "DENY",
      reason: "POLICY_DENY",
      decidingRule: "deny-irreversible",
    });
    expect((denied as ActionDenied).message).toContain((denied as ActionDenied).decisionId);
    expect(runs).toHaveLength(0);
  });

  it("REQUIRE_APPROVAL: fn runs only once two people approve; onPending sees the votes arrive", async () => {
    const { fn, runs } = action("deployed");
    const pending: Decision[] = [];
    const guarded = exo.guard(intent("A2_hard"), fn, {
      idempotencyKey: key(),
      onPending: (decision) => pending.push(decision),
      pollMs: 200,
    });
    const first = await firstPending(pending);
    expect(first.approval).toMatchObject({ status: "PENDING", approvals: 0, quorum: 2 });
    await voteOverRest(server, first.approvalId!, keys.olga!, "approve");
    await until(
      async () => pending.at(-1)?.approval?.approvals,
      (approvals) => approvals === 1,
    );
    expect(runs).toHaveLength(0);
    await voteOverRest(server, first.approvalId!, keys.piet!, "approve");
    expect(await guarded).toBe("deployed");
    expect(runs).toHaveLength(1);
    expect(runs[0]!.outcome).toBe("APPROVED");
    expect((await exo.getExecution(runs[0]!.executionId)).status).toBe("SUCCEEDED");
  });

  it("people deny: ActionDenied DENIED with the approver's reason; nobody decides in time: EXPIRED", async () => {
    const { fn, runs } = action("never");
    const pending: Decision[] = [];
    const guarded = exo
      .guard(intent("A2_hard"), fn, { idempotencyKey: key(), onPending: (d) => pending.push(d) })
      .catch((e) => e);
    const first = await firstPending(pending);
    await voteOverRest(server, first.approvalId!, keys.olga!, "deny", "change freeze");
    const denied = await guarded;
    expect(denied).toBeInstanceOf(ActionDenied);
    expect(denied).toMatchObject({
      outcome: "DENIED",
      reason: "APPROVAL_DENIED",
      decidingRule: "approve-hard",
    });
    expect((denied as ActionDenied).message).toContain("change freeze");

    const lapsed = await exo
      .guard(intent("A2_hard", { ttlSeconds: 1 }), fn, { idempotencyKey: key(), live: false, pollMs: 200 })
      .catch((e) => e);
    expect(lapsed).toMatchObject({ outcome: "EXPIRED", reason: "APPROVAL_EXPIRED" });
    expect(runs).toHaveLength(0);
  });

  it("fn throws: the execution is reported FAILED with the error, which guard re-throws as it was", async () => {
    const { fn, runs } = action(() => {
      throw new RangeError("host unreachable");
    });
    const thrown = await exo.guard(intent("A1_soft"), fn, { idempotencyKey: key() }).catch((e) => e);
    expect(thrown).toBeInstanceOf(RangeError);
    expect(runs).toHaveLength(1);
    const execution = await exo.getExecution(runs[0]!.executionId);
    expect(execution).toMatchObject({
      status: "FAILED",
      report: { outcome: "failed", detail: { error: "RangeError: host unreachable" } },
    });
  });

  it("a caller that gives up while fn runs still reports the outcome: the action may have happened", async () => {
    const controller = new AbortController();
    const { fn, runs } = action(() => {
      controller.abort(new Error("caller gave up"));
      throw new Error("interrupted");
    });
    const thrown = await exo
      .guard(intent("A1_soft"), fn, { idempotencyKey: key(), signal: controller.signal })
      .catch((e) => e);
    expect((thrown as Error).message).toBe("interrupted");
    expect(await exo.getExecution(runs[0]!.executionId)).toMatchObject({
      status: "FAILED",
      report: { outcome: "failed", detail: { error: "Error: interrupted" } },
    });
  });

  it("a kill switch engaged after the decision, before fn: the start is refused, fn never runs, ActionDenied BLOCKED", async () => {
    const { fn, runs } = action("never");
    // The switch is engaged exactly between the decision and guard's start request.
    const racing = createClient({
      baseUrl: server.baseUrl,
      apiKey: keys.client!,
      fetch: async (input, init) => {
        if (String(input).endsWith("/start")) await actionSwitch(server, "guard", "host.quarantine", true);
        return fetch(input, init);
      },
    });
    try {
      const blocked = await racing
        .guard(intent("A1_soft", { action: "host.quarantine" }), fn, { idempotencyKey: key() })
        .catch((e) => e);
      expect(blocked).toBeInstanceOf(ActionDenied);
      expect(blocked).toMatchObject({ outcome: "BLOCKED", reason: "KILL_SWITCH_ACTION" });
      expect(runs).toHaveLength(0);
      const execution = await exo.getExecution((blocked as ActionDenied).executionId!);
      expect(execution.status).toBe("BLOCKED");
    } finally {
      await actionSwitch(server, "guard", "host.quarantine", false);
    }
  });

  it("the same key again after fn ran: fn does not run a second time; another mode under that key is a 409", async () => {
    const { fn, runs } = action("once");
    const idempotencyKey = key();
    const body = intent("A1_soft");
    expect(await exo.guard(body, fn, { idempotencyKey })).toBe("once");
    const again = await exo.guard(body, fn, { idempotencyKey }).catch((e) => e);
    expect(again).toBeInstanceOf(ExoArmurError);
    expect(again).toMatchObject({ status: 409 });
    expect(runs).toHaveLength(1);
    const executorMode = await exo.submitIntent(body, { idempotencyKey }).catch((e) => e);
    expect(executorMode).toMatchObject({ status: 409, code: "CONFLICT" });
  });
});
