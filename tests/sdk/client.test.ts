import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createClient,
  type Decision,
  type ExecutionDetail,
  ExoArmurError,
  type IntentResult,
  type VerifyReport,
  verifyEvidence,
} from "../../packages/client/src";
import type { verifyBundle } from "../../server/core/verify";
import type { IntentResult as ServerIntentResult } from "../../server/services/decisions/intent-result";
import type { getDecision, getExecution } from "../../server/services/decisions/read";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";
import { tenantOverRest, voteOverRest } from "./rest-tenant";

// The TypeScript client (issue 15 §2) against a real server, database and nats-server: typed
// results, typed errors, retries that honour Retry-After with the same idempotency key, waiting for
// an outcome through the live feed or by polling, and offline verification of the evidence.

// The client's hand-written types must accept what the server's own code returns: these lines stop
// compiling (and `npm test`'s typecheck fails) when the REST contract drifts from the SDK.
type Server<T extends (...args: never[]) => unknown> = Awaited<ReturnType<T>>;
({}) as Server<typeof getDecision> satisfies Decision;
({}) as Server<typeof getExecution> satisfies ExecutionDetail;
({}) as ServerIntentResult satisfies IntentResult;
({}) as ReturnType<typeof verifyBundle> satisfies VerifyReport;

let server: TestServer;
const keys: Record<string, string> = {};
let n = 0;
const intent = (fields: Record<string, unknown> = {}) => ({
  actor: { type: "agent", id: "sdk-test" },
  action: "host.isolate",
  actionClass: "A1_soft" as const,
  target: `web-${++n}`,
  parameters: { ticket: `T-${n}` },
  ...fields,
});
const key = () => `sdk-${process.pid}-${++n}`;

const vote = (approvalId: string, as: string, choice: "approve" | "deny", reason?: string) =>
  voteOverRest(server, approvalId, as, choice, reason);

beforeAll(async () => {
  const database = await createTestDatabase();
  server = await startServer({ DATABASE_URL: database.url });
  Object.assign(keys, await tenantOverRest(server, "sdk", DEMO_POLICY, { people: ["olga", "piet"] }));
  keys.slow = (await tenantOverRest(server, "slow", DEMO_POLICY, { limits: { ratePerSecond: 1, burst: 1 } }))
    .client!;
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

describe("submitIntent", () => {
  it("answers the typed result; a retry with the same key is the same decision; other content is a typed 409", async () => {
    const client = createClient({ baseUrl: server.baseUrl, apiKey: keys.client! });
    const body = intent();
    const idempotencyKey = key();
    const first = await client.submitIntent(body, { idempotencyKey });
    expect(first).toMatchObject({ verdict: "ALLOW", reason: "POLICY_ALLOW", decidingRule: "allow-soft" });
    expect(first.executionId).toMatch(/^exe_/);
    expect(first.executionStatus).toBe("QUEUED");
    // The stored result again, exactly (executionStatus is the status the execution started in).
    expect(await client.submitIntent(body, { idempotencyKey })).toEqual(first);
    const reused = await client
      .submitIntent({ ...body, target: "elsewhere" }, { idempotencyKey })
      .catch((e) => e);
    expect(reused).toBeInstanceOf(ExoArmurError);
    expect(reused).toMatchObject({ status: 409, code: "CONFLICT", reason: "IDEMPOTENCY_KEY_REUSED" });
  });

  it("a refused intent is an ExoArmurError naming each field; a bad key is 401; no idempotency key is refused before sending", async () => {
    const client = createClient({ baseUrl: server.baseUrl, apiKey: keys.client! });
    const invalid = await client
      .submitIntent({ ...intent(), action: "host..isolate", target: "" }, { idempotencyKey: key() })
      .catch((e) => e);
    expect(invalid).toMatchObject({ status: 400, code: "INVALID" });
    expect((invalid as ExoArmurError).fields.map((f) => f.path).sort()).toEqual(["action", "target"]);
    const stranger = createClient({ baseUrl: server.baseUrl, apiKey: "exo_not_a_key" });
    expect(await stranger.submitIntent(intent(), { idempotencyKey: key() }).catch((e) => e)).toMatchObject({
      status: 401,
    });
    expect(() => client.submitIntent(intent(), {} as { idempotencyKey: string })).toThrow(
      /idempotencyKey is required/,
    );
  });

  it("429: waits for Retry-After and retries with the same idempotency key, once decided", async () => {
    const client = createClient({ baseUrl: server.baseUrl, apiKey: keys.slow! });
    const statuses: number[] = [];
    const counting = createClient({
      baseUrl: server.baseUrl,
      apiKey: keys.slow!,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        statuses.push(response.status);
        return response;
      },
    });
    await client.submitIntent(intent(), { idempotencyKey: key() }); // empties the bucket (burst 1)
    const idempotencyKey = key();
    const result = await counting.submitIntent(intent(), { idempotencyKey });
    expect(result.verdict).toBe("ALLOW");
    expect(statuses[0]).toBe(429);
    expect(statuses.at(-1)).toBe(201);
    // Without retries the caller sees the typed 429 with the server's Retry-After.
    const impatient = createClient({ baseUrl: server.baseUrl, apiKey: keys.slow!, maxAttempts: 1 });
    const limited = await impatient.submitIntent(intent(), { idempotencyKey: key() }).catch((e) => e);
    expect(limited).toMatchObject({ status: 429, code: "RATE_LIMITED" });
    expect((limited as ExoArmurError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });
});

describe("awaitOutcome", () => {
  it("ALLOW and DENY are final at once", async () => {
    const client = createClient({ baseUrl: server.baseUrl, apiKey: keys.client! });
    const allowed = await client.submitIntent(intent(), { idempotencyKey: key() });
    expect((await client.awaitOutcome(allowed.decisionId)).outcome).toBe("ALLOW");
    const denied = await client.submitIntent(intent({ actionClass: "A3_irreversible" }), {
      idempotencyKey: key(),
    });
    const outcome = await client.awaitOutcome(denied.decisionId);
    expect(outcome.outcome).toBe("DENY");
    expect(outcome.decision.decidingRule).toBe("deny-irreversible");
  });

  it("follows the live feed: two people approve and it resolves APPROVED long before its next poll", async () => {
    const client = createClient({ baseUrl: server.baseUrl, apiKey: keys.client! });
    const submitted = await client.submitIntent(intent({ actionClass: "A2_hard" }), {
      idempotencyKey: key(),
    });
    expect(submitted.verdict).toBe("REQUIRE_APPROVAL");
    // One poll a minute: only the live feed can wake it within the test's timeout.
    // No pause to let the feed connect: a vote before the feed is in place must not be missed
    // (it was, in CI: the wait then slept until its next poll).
    const waiting = client.awaitOutcome(submitted.decisionId, { pollMs: 60_000 });
    await vote(submitted.approvalId!, keys.olga!, "approve");
    await vote(submitted.approvalId!, keys.piet!, "approve");
    const outcome = await waiting;
    expect(outcome.outcome).toBe("APPROVED");
    expect(outcome.decision.approval?.votes.map((v) => v.person?.email).sort()).toEqual([
      "olga@sdk.test",
      "piet@sdk.test",
    ]);
  }, 45_000);

  it("misses nothing that changes between its first read and the feed being in place", async () => {
    const submitted = await createClient({ baseUrl: server.baseUrl, apiKey: keys.client! }).submitIntent(
      intent({ actionClass: "A2_hard" }),
      { idempotencyKey: key() },
    );
    // The feed's request is held back until both votes are committed and relayed to the stream:
    // they fall exactly between the wait's first read and its feed. Polls are a minute apart.
    const client = createClient({
      baseUrl: server.baseUrl,
      apiKey: keys.client!,
      fetch: async (input, init) => {
        if (String(input).includes("/api/trpc/events.live")) {
          await vote(submitted.approvalId!, keys.olga!, "approve");
          await vote(submitted.approvalId!, keys.piet!, "approve");
          await until(
            () => call(server, "GET", "/api/health"),
            (r) => r.json.stream?.status === "current",
            10_000,
            50,
          );
        }
        return fetch(input, init);
      },
    });
    const outcome = await client.awaitOutcome(submitted.decisionId, { pollMs: 60_000 });
    expect(outcome.outcome).toBe("APPROVED");
  }, 30_000);

  it("polls when the live feed is off: a denial resolves DENIED; a lapsed intent resolves EXPIRED", async () => {
    const client = createClient({ baseUrl: server.baseUrl, apiKey: keys.client! });
    const denied = await client.submitIntent(intent({ actionClass: "A2_hard" }), { idempotencyKey: key() });
    const waiting = client.awaitOutcome(denied.decisionId, { live: false, pollMs: 200 });
    await vote(denied.approvalId!, keys.olga!, "deny", "not during the freeze");
    expect((await waiting).outcome).toBe("DENIED");
    const lapsing = await client.submitIntent(intent({ actionClass: "A2_hard", ttlSeconds: 1 }), {
      idempotencyKey: key(),
    });
    const expired = await client.awaitOutcome(lapsing.decisionId, { live: false, pollMs: 200 });
    expect(expired.outcome).toBe("EXPIRED");
  });

  it("a wait that outlasts its timeout is a typed TIMEOUT; an aborted one rejects with the abort", async () => {
    const client = createClient({ baseUrl: server.baseUrl, apiKey: keys.client! });
    const pending = await client.submitIntent(intent({ actionClass: "A2_hard" }), { idempotencyKey: key() });
    const timedOut = await client
      .awaitOutcome(pending.decisionId, { timeoutMs: 300, pollMs: 100 })
      .catch((e) => e);
    expect(timedOut).toMatchObject({ code: "TIMEOUT" });
    const controller = new AbortController();
    const aborted = client.awaitOutcome(pending.decisionId, { signal: controller.signal }).catch((e) => e);
    controller.abort(new Error("caller gave up"));
    expect(((await aborted) as Error).message).toBe("caller gave up");
  });

  it("another tenant's decision is not found (typed 404)", async () => {
    const other = createClient({ baseUrl: server.baseUrl, apiKey: keys.slow! });
    const mine = createClient({ baseUrl: server.baseUrl, apiKey: keys.client! });
    const { decisionId } = await mine.submitIntent(intent(), { idempotencyKey: key() });
    expect(await other.awaitOutcome(decisionId).catch((e) => e)).toMatchObject({
      status: 404,
      code: "NOT_FOUND",
    });
  });
});

describe("reading and verifying", () => {
  it("getDecision, getExecution and getEvidence; the bundle verifies against the server's pinned key only", async () => {
    const client = createClient({ baseUrl: server.baseUrl, apiKey: keys.client! });
    const submitted = await client.submitIntent(intent(), { idempotencyKey: key() });
    const decision = await client.getDecision(submitted.decisionId);
    expect(decision.intent.target).toBe(`web-${n - 1}`);
    let execution = await client.getExecution(submitted.executionId!);
    for (let i = 0; i < 100 && execution.status !== "SUCCEEDED"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      execution = await client.getExecution(submitted.executionId!);
    }
    expect(execution.status).toBe("SUCCEEDED");
    const bundle = await client.getEvidence(submitted.decisionId);
    const { publicKey } = await client.getSigningKeys();
    expect(verifyEvidence(bundle, { publicKey }).outcome).toBe("verified");
    expect(verifyEvidence(bundle).outcome).toBe("untrusted");
    expect(verifyEvidence(bundle, { publicKey: "ab".repeat(32) }).outcome).toBe("untrusted");
    const forged = structuredClone(bundle);
    (forged.output as { verdict: string }).verdict = "DENY";
    const report = verifyEvidence(forged, { publicKey });
    expect(report.outcome).toBe("mismatch");
    expect(report.mismatches.map((m) => m.path)).toContain("output");
  });
});

describe("the packed package, as a new user installs it", () => {
  it("builds, packs small (no Next, no Prisma, no dependencies), installs offline and runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "exoarmur-sdk-"));
    execFileSync("node", ["packages/client/build.mjs"], { stdio: "pipe" });
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--json", "--pack-destination", dir], {
        cwd: "packages/client",
      }).toString(),
    )[0] as { filename: string; files: { path: string }[] };
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    expect(files.every((f) => f === "package.json" || f === "README.md" || f.startsWith("dist/"))).toBe(true);
    const tarball = join(dir, packed.filename);
    expect(statSync(tarball).size).toBeLessThan(120 * 1024);

    const project = join(dir, "app");
    execFileSync("mkdir", ["-p", project]);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "app", private: true, type: "module" }),
    );
    execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], {
      cwd: project,
      stdio: "pipe",
    });
    expect(readdirSync(join(project, "node_modules")).filter((d) => !d.startsWith("."))).toEqual([
      "@exoarmur",
    ]);
    writeFileSync(
      join(project, "main.mjs"),
      `import { createClient, verifyEvidence, ExoArmurError, ActionDenied } from "@exoarmur/client";
const exo = createClient({ baseUrl: process.env.URL, apiKey: process.env.KEY });
const decided = await exo.submitIntent(
  { actor: { type: "agent", id: "new-user" }, action: "host.isolate", actionClass: "A1_soft", target: "web-9", parameters: {} },
  { idempotencyKey: "new-user-1" },
);
const { outcome } = await exo.awaitOutcome(decided.decisionId);
const { publicKey } = await exo.getSigningKeys();
const verified = verifyEvidence(await exo.getEvidence(decided.decisionId), { publicKey }).outcome;
const refused = await exo.getDecision("dec_nope").catch((e) => e instanceof ExoArmurError && e.status);
const action = (actionClass, target) => ({ actor: { type: "agent", id: "new-user" }, action: "host.isolate", actionClass, target, parameters: {} });
const guarded = await exo.guard(action("A1_soft", "web-10"), ({ outcome }) => \`ran after \${outcome}\`, { idempotencyKey: "new-user-2" });
const denied = await exo
  .guard(action("A3_irreversible", "web-11"), () => "ran anyway", { idempotencyKey: "new-user-3" })
  .catch((e) => e instanceof ActionDenied && e.outcome);
console.log(JSON.stringify({ outcome, verified, refused, guarded, denied }));
`,
    );
    const output = execFileSync("node", ["main.mjs"], {
      cwd: project,
      env: { ...process.env, URL: server.baseUrl, KEY: keys.client! },
    }).toString();
    expect(JSON.parse(output)).toEqual({
      outcome: "ALLOW",
      verified: "verified",
      refused: 404,
      guarded: "ran after ALLOW",
      denied: "DENY",
    });
    // Its types, as a TypeScript user compiles against them (strict, no @types of this repository).
    writeFileSync(
      join(project, "check.ts"),
      `import { ActionDenied, createClient, type GuardContext } from "@exoarmur/client";
const exo = createClient({ baseUrl: "http://127.0.0.1:1", apiKey: "k" });
export const run = (): Promise<number> =>
  exo.guard(
    { actor: { type: "agent", id: "a" }, action: "x.y", actionClass: "A1_soft", target: "t", parameters: {} },
    (context: GuardContext) => context.executionId.length,
    { idempotencyKey: "k", report: (n) => ({ outcome: n > 0 ? "succeeded" : "failed", detail: { n } }) },
  );
export const why = (e: unknown) => (e instanceof ActionDenied ? e.outcome satisfies "DENY" | "DENIED" | "EXPIRED" | "BLOCKED" : null);
`,
    );
    // nodenext: what a Node ESM project uses, where declarations must name their files' extensions.
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2022", "dom"],
          types: [],
        },
        files: ["check.ts"],
      }),
    );
    execFileSync(join(process.cwd(), "node_modules/.bin/tsc"), ["-p", "."], { cwd: project, stdio: "pipe" });
  }, 120_000);
});
