import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { type JSONRPCMessage, LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, type ExoArmurClient } from "../../packages/client/src";
import { actionSwitch, tenantOverRest, voteOverRest } from "../sdk/rest-tenant";
import { createTestDatabase } from "../support/db";
import { call, startServer, type TestServer } from "../support/server";
import { until } from "../support/wait";
import { gatewayCommand, type RunningGateway, startGateway } from "./gateway";

// `exoarmur mcp-gateway` (issue 15 §3) between a real MCP client and a real downstream MCP server
// (tests/mcp/recording-server.mjs, which records every call it receives), against a real server,
// database and nats-server. What reaches the downstream is what the assertions count.

const POLICY = {
  rules: [
    { id: "allow-reads", match: { actionClasses: ["A0_observe"] }, effect: "allow" },
    { id: "allow-notes", match: { actions: ["mcp.files.write_note", "mcp.files.broken"] }, effect: "allow" },
    {
      id: "no-deletes",
      description: "agents never delete",
      match: { actions: ["files.delete"] },
      effect: "deny",
    },
    {
      id: "two-for-deploys",
      match: { actions: ["mcp.files.deploy"] },
      effect: "require_approval",
      approval: { quorum: 2, roles: ["operator"] },
    },
  ],
};
const MAP = {
  tools: {
    read_file: { actionClass: "A0_observe", targetArgument: "path" },
    delete_file: { action: "files.delete", actionClass: "A3_irreversible", targetArgument: "path" },
  },
};

let server: TestServer;
let keys: Record<string, string>;
let exo: ExoArmurClient;
const running: RunningGateway[] = [];

async function gateway(agent: string): Promise<RunningGateway> {
  const started = await startGateway({ url: server.baseUrl, apiKey: keys.client!, map: MAP }, agent);
  running.push(started);
  return started;
}

/** The text of a tool result. */
const text = (result: unknown) =>
  (result as { content: { type: string; text?: string }[] }).content.map((c) => c.text ?? "").join("\n");

/** The tenant's decisions for an agent (the dashboard's list, over tRPC with an operator's key). */
async function decisionsOf(
  agent: string,
): Promise<{ id: string; action: string; verdict: string; executionStatus: string | null }[]> {
  const input = encodeURIComponent(JSON.stringify({ tenantId: "mcp", filter: { actor: agent } }));
  const res = await call(server, "GET", `/api/trpc/decisions.list?input=${input}`, { token: keys.olga! });
  expect(res.status, res.text).toBe(200);
  return res.json.result.data.rows;
}

/**
 * Calls `deploy` (approval-gated) and waits for the gateway's first progress notification, which
 * names the decision the call waits on.
 */
async function deployAwaitingPeople(client: RunningGateway["client"], service: string) {
  const progress: string[] = [];
  const calling = client.callTool({ name: "deploy", arguments: { service } }, undefined, {
    onprogress: (p) => progress.push(p.message ?? ""),
  });
  calling.catch(() => {}); // awaited by the test; not an unhandled rejection if the test fails first
  await until(
    async () => progress.length,
    (count) => count > 0,
  );
  const decisionId = /decision (dec_[\w-]+)/.exec(progress[0]!)?.[1];
  expect(decisionId, progress[0]).toBeDefined();
  return { calling, progress, decision: await exo.getDecision(decisionId!) };
}

beforeAll(async () => {
  const database = await createTestDatabase();
  server = await startServer({ DATABASE_URL: database.url });
  keys = await tenantOverRest(server, "mcp", POLICY, { people: ["olga", "piet"] });
  exo = createClient({ baseUrl: server.baseUrl, apiKey: keys.client! });
}, 180_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.close()));
});

afterAll(async () => {
  await server?.stop();
});

describe("exoarmur mcp-gateway", () => {
  it("tools/list passes through; an allowed read runs and its result comes back unchanged, reported SUCCEEDED", async () => {
    const { client, recorded } = await gateway("agent-read");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["read_file", "delete_file", "write_note", "deploy", "broken"]);
    expect(tools[0]!.inputSchema).toMatchObject({ type: "object", properties: { path: { type: "string" } } });

    const result = await client.callTool({ name: "read_file", arguments: { path: "/srv/a.txt" } });
    expect(result).toEqual({ content: [{ type: "text", text: "contents of /srv/a.txt" }] });
    expect(recorded()).toEqual([{ tool: "read_file", args: { path: "/srv/a.txt" } }]);

    const [row] = await decisionsOf("agent-read");
    expect(row).toMatchObject({
      action: "mcp.files.read_file",
      verdict: "ALLOW",
      executionStatus: "SUCCEEDED",
    });
    const decision = await exo.getDecision(row!.id);
    expect(decision.intent).toMatchObject({
      actor: { type: "agent", id: "agent-read" },
      actionClass: "A0_observe",
      target: "/srv/a.txt",
      parameters: { path: "/srv/a.txt" },
    });
    const execution = await exo.getExecution(decision.executionId!);
    expect(execution).toMatchObject({ mode: "caller", report: { outcome: "succeeded" } });
  });

  it("a denied delete never reaches the downstream: a tool error names the reason, the rule and the decision", async () => {
    const { client, recorded } = await gateway("agent-delete");
    const result = await client.callTool({ name: "delete_file", arguments: { path: "/etc/passwd" } });
    expect(result.isError).toBe(true);
    const [row] = await decisionsOf("agent-delete");
    expect(row).toMatchObject({ action: "files.delete", verdict: "DENY" });
    expect(text(result)).toContain("POLICY_DENY");
    expect(text(result)).toContain("no-deletes");
    expect(text(result)).toContain(row!.id);
    expect(recorded()).toEqual([]);
  });

  it("an approval-gated tool runs only after two people approve over REST, with progress while it waits", async () => {
    const { client, recorded } = await gateway("agent-deploy");
    const { calling, progress, decision } = await deployAwaitingPeople(client, "billing");
    expect(progress[0]).toContain("waits for people: 0 of 2 approvals");
    expect(decision).toMatchObject({ verdict: "REQUIRE_APPROVAL", decidingRule: "two-for-deploys" });
    await voteOverRest(server, decision.approvalId!, keys.olga!, "approve");
    expect(recorded()).toEqual([]);
    await voteOverRest(server, decision.approvalId!, keys.piet!, "approve");
    expect(await calling).toEqual({ content: [{ type: "text", text: "deployed billing" }] });
    expect(recorded()).toEqual([{ tool: "deploy", args: { service: "billing" } }]);
    const execution = await exo.getExecution((await exo.getDecision(decision.decisionId)).executionId!);
    expect(execution.status).toBe("SUCCEEDED");
  });

  it("people deny an approval-gated call: a tool error, and the downstream is never called", async () => {
    const { client, recorded } = await gateway("agent-deploy-denied");
    const { calling, decision } = await deployAwaitingPeople(client, "ledger");
    await voteOverRest(server, decision.approvalId!, keys.olga!, "deny", "not on a Friday");
    const result = await calling;
    expect(result.isError).toBe(true);
    expect(text(result)).toContain("DENIED");
    expect(text(result)).toContain("not on a Friday");
    expect(text(result)).toContain(decision.decisionId);
    expect(recorded()).toEqual([]);
  });

  it("a kill switch engaged mid-session stops the next call; released, calls run again", async () => {
    const { client, recorded } = await gateway("agent-switch");
    expect(text(await client.callTool({ name: "write_note", arguments: { text: "one" } }))).toBe(
      "noted: one",
    );
    await actionSwitch(server, "mcp", "mcp.files.*", true);
    try {
      const stopped = await client.callTool({ name: "write_note", arguments: { text: "two" } });
      expect(stopped.isError).toBe(true);
      expect(text(stopped)).toContain("KILL_SWITCH_ACTION");
    } finally {
      await actionSwitch(server, "mcp", "mcp.files.*", false);
    }
    expect(text(await client.callTool({ name: "write_note", arguments: { text: "three" } }))).toBe(
      "noted: three",
    );
    expect(recorded().map((c) => c.args.text)).toEqual(["one", "three"]);
  });

  it("a switch engaged while people decide: approved, yet blocked before the downstream is called", async () => {
    const { client, recorded } = await gateway("agent-deploy-blocked");
    const { calling, decision } = await deployAwaitingPeople(client, "search");
    await actionSwitch(server, "mcp", "mcp.files.deploy", true);
    try {
      await voteOverRest(server, decision.approvalId!, keys.olga!, "approve");
      await voteOverRest(server, decision.approvalId!, keys.piet!, "approve");
      const result = await calling;
      expect(result.isError).toBe(true);
      expect(text(result)).toContain("BLOCKED");
      expect(text(result)).toContain(decision.decisionId);
    } finally {
      await actionSwitch(server, "mcp", "mcp.files.deploy", false);
    }
    expect(recorded()).toEqual([]);
  });

  it("a downstream tool error comes back as it was and is reported FAILED", async () => {
    const { client } = await gateway("agent-broken");
    const result = await client.callTool({ name: "broken", arguments: {} });
    expect(result).toEqual({ isError: true, content: [{ type: "text", text: "disk full" }] });
    const [row] = await decisionsOf("agent-broken");
    const execution = await exo.getExecution((await exo.getDecision(row!.id)).executionId!);
    expect(execution).toMatchObject({
      status: "FAILED",
      report: { outcome: "failed", detail: { error: "disk full" } },
    });
  });

  it("fails closed: a key the server refuses, or a server that cannot be reached, is a tool error and no call", async () => {
    for (const setup of [
      { url: server.baseUrl, apiKey: "exo_not_a_key" },
      { url: "http://127.0.0.1:9", apiKey: keys.client! },
    ]) {
      const started = await startGateway({ ...setup, map: MAP }, "agent-closed");
      running.push(started);
      const result = await started.client.callTool({ name: "read_file", arguments: { path: "/srv/a.txt" } });
      expect(result.isError).toBe(true);
      expect(text(result)).toContain("ExoArmur could not decide mcp.files.read_file; not called");
      expect(started.recorded()).toEqual([]);
    }
  });

  it("the same request sent again (same id, same session) is one action with one answer", async () => {
    const { command, args, env, recorded } = gatewayCommand({
      url: server.baseUrl,
      apiKey: keys.client!,
      map: MAP,
    });
    const transport = new StdioClientTransport({ command, args, env, stderr: "inherit" });
    const answers: JSONRPCMessage[] = [];
    transport.onmessage = (message) => answers.push(message);
    await transport.start();
    try {
      await transport.send({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: LATEST_PROTOCOL_VERSION,
          capabilities: {},
          clientInfo: { name: "agent-retry", version: "1" },
        },
      });
      await until(
        async () => answers.length,
        (count) => count === 1,
      );
      await transport.send({ jsonrpc: "2.0", method: "notifications/initialized" });
      const request = {
        jsonrpc: "2.0" as const,
        id: 7,
        method: "tools/call",
        params: { name: "write_note", arguments: { text: "once" } },
      };
      await transport.send(request);
      await transport.send(request);
      await until(
        async () => answers.length,
        (count) => count === 3,
      );
      expect(answers[1]).toEqual(answers[2]);
      expect(answers[1]).toEqual({
        jsonrpc: "2.0",
        id: 7,
        result: { content: [{ type: "text", text: "noted: once" }] },
      });
      expect(recorded()).toEqual([{ tool: "write_note", args: { text: "once" } }]);
      expect(await decisionsOf("agent-retry")).toHaveLength(1);
    } finally {
      await transport.close();
    }
  });
});
