import { createHash } from "node:crypto";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "../../server/api/root";
import type { ChainEvent } from "../../server/core";
import type { Db } from "../../server/db/client";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { call, startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";

/** The tRPC live feed (SSE) from JetStream, as a Node client sees it. */
let server: TestServer;
let db: Db;
const keys: Record<string, string> = {};

function client(token: string) {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: `${server.baseUrl}/api/trpc`,
          EventSource: EventSource as never,
          eventSourceOptions: () =>
            ({
              fetch: (input: string | URL | Request, init?: RequestInit) =>
                fetch(input, {
                  ...init,
                  headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` },
                }),
            }) as never,
        }),
        false: httpBatchLink({ url: `${server.baseUrl}/api/trpc` }),
      }),
    ],
  });
}

/** A live stream: `ready` resolves (with its position) once every later commit is sure to arrive. */
function listen(token: string, lastEventId?: string) {
  const events: { id: string; event: ChainEvent }[] = [];
  let markReady: (position: string) => void = () => {};
  const ready = new Promise<string>((resolve) => {
    markReady = resolve;
  });
  const sub = client(token).events.live.subscribe(lastEventId ? { lastEventId } : undefined, {
    onData: (data) => {
      if (data.data.type === "feed.ready") markReady(data.id);
      else events.push({ id: data.id, event: data.data as ChainEvent });
    },
  });
  return { events, ready, stop: () => sub.unsubscribe() };
}

beforeAll(async () => {
  const database = await createTestDatabase();
  db = database.db;
  server = await startServer({ DATABASE_URL: database.url });
  for (const tenant of ["acme", "globex"]) {
    await call(server, "POST", "/api/v1/tenants", {
      token: server.adminToken,
      body: { id: tenant, name: tenant },
    });
    await call(server, "POST", `/api/v1/tenants/${tenant}/policies`, {
      token: server.adminToken,
      body: DEMO_POLICY,
    });
    keys[`${tenant}Client`] = (
      await call(server, "POST", `/api/v1/tenants/${tenant}/api-keys`, {
        token: server.adminToken,
        body: { role: "client", name: "c" },
      })
    ).json.key;
    keys[`${tenant}Auditor`] = (
      await call(server, "POST", `/api/v1/tenants/${tenant}/api-keys`, {
        token: server.adminToken,
        body: { role: "auditor", name: "a" },
      })
    ).json.key;
  }
  await until(
    () => call(server, "GET", "/api/health"),
    (r) => r.json.stream?.status === "current",
    20_000,
    100,
  );
});

afterAll(async () => {
  await server?.stop();
  await db?.$disconnect();
});

describe("live feed", () => {
  it("streams a tenant's new events as they commit, and nothing of other tenants", async () => {
    const feed = listen(keys.acmeAuditor!);
    await feed.ready;
    const mine = await call(server, "POST", "/api/v1/intents", {
      token: keys.acmeClient,
      body: intentBody({ actionClass: "A3_irreversible" }),
    });
    await call(server, "POST", "/api/v1/intents", {
      token: keys.globexClient,
      body: intentBody({ actionClass: "A3_irreversible" }),
    });
    await until(
      async () => feed.events.filter((e) => e.event.type === "intent.decided").length,
      (n) => n >= 1,
      15_000,
      50,
    );
    await new Promise((r) => setTimeout(r, 300));
    feed.stop();
    expect(feed.events.every((e) => e.event.tenantId === "acme")).toBe(true);
    expect(feed.events.find((e) => e.event.type === "intent.decided")?.event.subjectId).toBe(
      mine.json.decisionId,
    );
  });

  it("resumes after a given sequence: a reconnecting client gets exactly what it missed", async () => {
    const first = listen(keys.acmeAuditor!);
    await first.ready;
    await call(server, "POST", "/api/v1/intents", {
      token: keys.acmeClient,
      body: intentBody({ actionClass: "A3_irreversible" }),
    });
    await until(
      async () => first.events.length,
      (n) => n >= 1,
      15_000,
      50,
    );
    first.stop();
    const lastSeen = first.events.at(-1)!.id;
    const missed = await call(server, "POST", "/api/v1/intents", {
      token: keys.acmeClient,
      body: intentBody({ actionClass: "A3_irreversible" }),
    });
    const resumed = listen(keys.acmeAuditor!, lastSeen);
    expect(await resumed.ready).toBe(lastSeen);
    await until(
      async () => resumed.events.length,
      (n) => n >= 1,
      15_000,
      50,
    );
    resumed.stop();
    expect(Number(resumed.events[0]!.id)).toBeGreaterThan(Number(lastSeen));
    expect(resumed.events.map((e) => e.event.subjectId)).toContain(missed.json.decisionId);
  });

  it("refuses a client without credentials", async () => {
    const res = await fetch(`${server.baseUrl}/api/trpc/events.live`, {
      headers: { accept: "text/event-stream" },
    });
    const text = await res.text().catch(() => "");
    expect(text + res.status).toMatch(/UNAUTHORIZED|401/);
  });

  it("shows a webhook route to every key of the tenant only as scheme, host and URL hash (issue 11 §7)", async () => {
    const feed = listen(keys.acmeClient!);
    await feed.ready;
    const url = "https://hooks.example.com/services/T0K3N-in-path?sig=s1gn4ture";
    const set = await call(server, "PUT", "/api/v1/tenants/acme/executors", {
      token: server.adminToken,
      body: { routes: [{ type: "webhook", actions: ["*"], url, secret: "webhook-secret-0123456789" }] },
    });
    expect(set.status).toBe(200);
    await until(
      async () => feed.events.filter((e) => e.event.type === "tenant.executors_set").length,
      (n) => n >= 1,
      15_000,
      50,
    );
    feed.stop();
    const event = feed.events.find((e) => e.event.type === "tenant.executors_set")!.event;
    const text = JSON.stringify(event);
    for (const secret of ["T0K3N", "s1gn4ture", "/services", "webhook-secret"])
      expect(text).not.toContain(secret);
    expect((event.payload as { routes: unknown[] }).routes).toEqual([
      {
        type: "webhook",
        actions: ["*"],
        scheme: "https",
        host: "hooks.example.com",
        urlHash: createHash("sha256").update(url).digest("hex"),
        timeoutMs: 5000,
        hasSecret: true,
      },
    ]);
  });
});
