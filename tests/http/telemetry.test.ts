import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody } from "../support/fixtures";
import { RECEIVER_NETWORK, type Receiver, startReceiver } from "../support/receiver";
import { call, seedWebhookTenant, startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";

// Traces (issue 15 §4): `npm start` with OTEL_EXPORTER_OTLP_ENDPOINT sends real OTLP/HTTP spans to
// a local collector (a node:http server taking POST /v1/traces): the REST request continues the
// client's `traceparent`, submitIntent carries the decision, the batch's transaction links to it,
// and the dispatch attempt and the webhook call continue the same trace into the executor — from
// another process: the server does not dispatch here, an `exoarmur worker` does (service
// `exoarmur-worker`), which finds the trace context the submission stored with the execution.

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  arrayValue?: { values: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
  links?: { traceId: string; spanId: string }[];
}
interface Collected {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parent: string | undefined;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  service: unknown;
}

const SERVER = 2;
const CLIENT = 3;

const plain = (value: OtlpValue): unknown =>
  value.stringValue ??
  (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
  value.boolValue ??
  value.arrayValue?.values.map(plain);

const attributesOf = (list: { key: string; value: OtlpValue }[] = []) =>
  Object.fromEntries(list.map((a) => [a.key, plain(a.value)]));

/** A minimal OTLP/HTTP trace collector (the JSON encoding the exporter sends). */
async function startCollector() {
  const spans: Collected[] = [];
  const contentTypes = new Set<string>();
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/traces") {
        contentTypes.add(String(req.headers["content-type"]));
        const body = JSON.parse(text) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: OtlpValue }[] };
            scopeSpans: { spans: OtlpSpan[] }[];
          }[];
        };
        for (const resource of body.resourceSpans) {
          const service = attributesOf(resource.resource.attributes)["service.name"];
          for (const scope of resource.scopeSpans)
            for (const span of scope.spans)
              spans.push({
                name: span.name,
                kind: span.kind,
                traceId: span.traceId,
                spanId: span.spanId,
                parent: span.parentSpanId || undefined,
                attributes: attributesOf(span.attributes),
                links: (span.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
                service,
              });
        }
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let server: TestServer;
let receiver: Receiver;
let collector: Awaited<ReturnType<typeof startCollector>>;
let client: string;
let worker: ChildProcess;

beforeAll(async () => {
  const database = await createTestDatabase();
  receiver = await startReceiver();
  collector = await startCollector();
  const tracing = {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_BSP_SCHEDULE_DELAY: "100",
    EXOARMUR_WEBHOOK_ALLOWED_NETWORKS: RECEIVER_NETWORK,
  };
  server = await startServer({ DATABASE_URL: database.url, EXOARMUR_WORKER: "off", ...tracing });
  worker = spawn(
    process.execPath,
    ["bin/exoarmur.mjs", "worker", "--database-url", database.url, "--poll-ms", "50"],
    { env: { ...process.env, ...tracing, OTEL_SERVICE_NAME: "exoarmur-worker" }, stdio: "ignore" },
  );
  client = await seedWebhookTenant(server, "traced", DEMO_POLICY, { url: `${receiver.url}/hook` });
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill("SIGTERM");
    await new Promise((resolve) => worker.once("exit", resolve));
  }
  await server?.stop();
  await receiver?.close();
  await collector?.close();
});

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

/** Waits until the collector holds a span matching `test` (failing with the names it did get). */
async function spanWhere(what: string, test: (span: Collected) => boolean): Promise<Collected> {
  try {
    return (await until(
      async () => collector.spans.find(test),
      (span) => span !== undefined,
      20_000,
      50,
    ))!;
  } catch {
    throw new Error(`no ${what}; spans: ${collector.spans.map((s) => s.name).join(", ")}`);
  }
}

describe("OpenTelemetry traces over OTLP/HTTP", () => {
  it("a SOAR's trace continues through the REST request, the decision, the dispatch (another process) and the webhook", async () => {
    const traceId = hex(16);
    const clientSpanId = hex(8);
    const submitted = await call(server, "POST", "/api/v1/intents", {
      token: client,
      body: intentBody(),
      headers: { traceparent: `00-${traceId}-${clientSpanId}-01` },
    });
    expect(submitted.status).toBe(201);
    expect(submitted.json.verdict).toBe("ALLOW");
    const executionId = submitted.json.executionId as string;

    // The executor was called with the same trace.
    const hook = await until(
      async () => receiver.requests.find((r) => r.key === executionId),
      (r) => r !== undefined,
      20_000,
      50,
    );
    const [version, hookTrace, hookParent, flags] = hook!.traceparent!.split("-");
    expect([version, hookTrace, flags]).toEqual(["00", traceId, "01"]);

    const rest = await spanWhere(
      "the REST span",
      (s) => s.name === "POST /api/v1/intents" && s.traceId === traceId,
    );
    expect(rest).toMatchObject({
      kind: SERVER,
      parent: clientSpanId,
      service: "exoarmur",
      attributes: {
        "http.request.method": "POST",
        "http.route": "/api/v1/intents",
        "http.response.status_code": 201,
        "exoarmur.tenant": "traced",
      },
    });
    const submit = await spanWhere(
      "the submitIntent span",
      (s) => s.name === "submitIntent" && s.traceId === traceId,
    );
    expect(submit.parent).toBe(rest.spanId);
    expect(submit.attributes).toMatchObject({
      "exoarmur.tenant": "traced",
      "exoarmur.verdict": "ALLOW",
      "exoarmur.reason": "POLICY_ALLOW",
      "exoarmur.rule": "allow-soft",
      "exoarmur.decision_id": submitted.json.decisionId,
      "exoarmur.execution_id": executionId,
    });
    // The batch's transaction serves many traces: a span of its own, linked both ways.
    const transaction = await spanWhere("the transaction span", (s) =>
      s.links.some((l) => l.spanId === submit.spanId),
    );
    expect(transaction.name).toBe("decideBatch transaction");
    expect(transaction.parent).toBeUndefined();
    expect(transaction.attributes["db.system.name"]).toBe("postgresql");
    expect(submit.links).toContainEqual({ traceId: transaction.traceId, spanId: transaction.spanId });

    const attempt = await spanWhere(
      "the dispatch attempt span",
      (s) => s.name === "dispatch attempt" && s.attributes["exoarmur.execution_id"] === executionId,
    );
    expect(attempt).toMatchObject({
      traceId,
      parent: submit.spanId,
      service: "exoarmur-worker",
      attributes: { "exoarmur.tenant": "traced", "exoarmur.attempt": 1, "exoarmur.outcome": "http" },
    });
    const webhook = await spanWhere(
      "the webhook span",
      (s) => s.kind === CLIENT && s.parent === attempt.spanId,
    );
    expect(webhook).toMatchObject({
      name: "POST",
      traceId,
      attributes: { "server.address": "127.0.0.1", "http.response.status_code": 200 },
    });
    // The executor's parent is the client span of the call; the URL's path is not in the span.
    expect(hookParent).toBe(webhook.spanId);
    expect(JSON.stringify(webhook.attributes)).not.toContain("/hook");

    // The relay streamed the decision's events.
    await spanWhere("a relay publish span", (s) => s.name === "relay publish");
    expect([...collector.contentTypes]).toEqual(["application/json"]);
  });

  it("an attempt through the built-in record executor, run inside the claim, still has its dispatch attempt span", async () => {
    const token = server.adminToken;
    for (const [path, body] of [
      ["/api/v1/tenants", { id: "traced-record", name: "traced-record" }],
      ["/api/v1/tenants/traced-record/policies", DEMO_POLICY],
    ] as const)
      expect((await call(server, "POST", path, { token, body })).status).toBe(201);
    const key = await call(server, "POST", "/api/v1/tenants/traced-record/api-keys", {
      token,
      body: { role: "client", name: "client" },
    });
    const traceId = hex(16);
    const submitted = await call(server, "POST", "/api/v1/intents", {
      token: key.json.key as string,
      body: intentBody(),
      headers: { traceparent: `00-${traceId}-${hex(8)}-01` },
    });
    expect(submitted.json.verdict).toBe("ALLOW");
    const submit = await spanWhere(
      "the submitIntent span",
      (s) => s.name === "submitIntent" && s.traceId === traceId,
    );
    const attempt = await spanWhere(
      "the record attempt's span",
      (s) =>
        s.name === "dispatch attempt" && s.attributes["exoarmur.execution_id"] === submitted.json.executionId,
    );
    expect(attempt).toMatchObject({
      traceId,
      parent: submit.spanId,
      service: "exoarmur-worker",
      attributes: {
        "exoarmur.tenant": "traced-record",
        "exoarmur.attempt": 1,
        "exoarmur.outcome": "http",
        "http.response.status_code": 200,
      },
    });
  });

  it("a denial carries its verdict, reason and rule; without a traceparent the request starts a trace", async () => {
    const submitted = await call(server, "POST", "/api/v1/intents", {
      token: client,
      body: intentBody({ actionClass: "A3_irreversible" }),
    });
    expect(submitted.json.verdict).toBe("DENY");
    const submit = await spanWhere(
      "the submitIntent span of the denial",
      (s) => s.name === "submitIntent" && s.attributes["exoarmur.decision_id"] === submitted.json.decisionId,
    );
    expect(submit.attributes).toMatchObject({
      "exoarmur.verdict": "DENY",
      "exoarmur.reason": "POLICY_DENY",
      "exoarmur.rule": "deny-irreversible",
    });
    const rest = collector.spans.find((s) => s.spanId === submit.parent);
    expect(rest).toMatchObject({ name: "POST /api/v1/intents", parent: undefined, traceId: submit.traceId });
  });
});
