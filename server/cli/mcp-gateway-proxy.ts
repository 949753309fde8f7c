// The MCP gateway's two sides over stdio: a client of the downstream MCP server (started as a
// child) and a server to the agent. tools/list passes through; every tools/call goes through the
// SDK's `guard` — submitted caller-executed, waited on while people decide (with progress
// notifications to the agent), started right before the downstream is called (switches
// re-checked), and its outcome reported — or answered with a tool error that names the decision.

import { randomUUID } from "node:crypto";
import type { Readable, Writable } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import {
  type CallToolRequest,
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type ProgressToken,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { createClient, type ExoArmurClient } from "../../packages/client/src/client";
import type { Decision } from "../../packages/client/src/types";
import { ENGINE_VERSION } from "../core";
import { asActionSegment, type GatewayNaming, idempotencyKeyFor, intentForCall } from "./mcp-gateway-intent";
import type { ToolMap } from "./mcp-gateway-map";
import { isRefusal, refusedResult, reportOf, undecidedResult } from "./mcp-gateway-results";

export interface GatewayOptions {
  url: string;
  apiKey: string;
  /** `--name`; else the downstream's serverInfo.name. */
  name?: string;
  map: ToolMap;
  ttlSeconds?: number;
  command: string;
  args: string[];
  /** The downstream's environment. */
  env: Record<string, string>;
  /** Diagnostics (stderr: stdout is the agent's MCP channel). */
  log: (line: string) => void;
  stdin?: Readable;
  stdout?: Writable;
}

/** A downstream call still running can take this long; the agent's own timeout and cancellation govern. */
const DOWNSTREAM_TIMEOUT_MS = 60 * 60_000;
/** Calls remembered per session, so a request sent again answers the first one's result. */
const REMEMBERED_CALLS = 1_000;

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

type CallExtra = Parameters<Parameters<Server["setRequestHandler"]>[1]>[1];

/** Runs until the agent's side closes or a signal stops it (exit 0), or the downstream ends (exit 1). */
export async function runGateway(options: GatewayOptions): Promise<number> {
  const downstream = new Client({ name: "exoarmur-mcp-gateway", version: ENGINE_VERSION });
  const child = new StdioClientTransport({
    command: options.command,
    args: options.args,
    env: options.env,
    stderr: "inherit",
  });
  try {
    await downstream.connect(child);
  } catch (error) {
    options.log(`exoarmur mcp-gateway: the downstream server did not start: ${(error as Error).message}`);
    await downstream.close().catch(() => {});
    return 1;
  }
  const info = downstream.getServerVersion();
  const naming: GatewayNaming = {
    name: options.name ?? asActionSegment(info?.name ?? "mcp"),
    map: options.map,
    ...(options.ttlSeconds ? { ttlSeconds: options.ttlSeconds } : {}),
  };
  const upstream = new Server(info ?? { name: naming.name, version: "0" }, {
    capabilities: { tools: { listChanged: true } },
    ...(downstream.getInstructions() ? { instructions: downstream.getInstructions() } : {}),
  });
  const gateway = {
    exo: createClient({ baseUrl: options.url, apiKey: options.apiKey }),
    downstream,
    upstream,
    naming,
    session: randomUUID(),
    stop: new AbortController(),
    log: options.log,
  };
  const calls = rememberedCalls();
  upstream.setRequestHandler(ListToolsRequestSchema, (request, extra) =>
    downstream.listTools(request.params, { signal: extra.signal }),
  );
  upstream.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const key = idempotencyKeyFor(gateway.session, extra.requestId);
    return calls(key, () => guardedCall(gateway, request, extra, key));
  });
  downstream.setNotificationHandler(ToolListChangedNotificationSchema, () =>
    upstream.sendToolListChanged().catch(() => {}),
  );
  options.log(
    `exoarmur mcp-gateway: ${naming.name} (${info?.name ?? "unnamed"} ${info?.version ?? ""}) behind ${options.url}; session ${gateway.session}`,
  );
  return new Promise<number>((resolve) => {
    let closing = false;
    const onSignal = () => void close(0);
    const close = async (code: number) => {
      if (closing) return;
      closing = true;
      for (const signal of SIGNALS) process.off(signal, onSignal);
      gateway.stop.abort(new Error("the gateway is closing"));
      await upstream.close().catch(() => {});
      await downstream.close().catch(() => {});
      resolve(code);
    };
    downstream.onclose = () => {
      if (!closing) options.log("exoarmur mcp-gateway: the downstream server ended");
      void close(1);
    };
    upstream.onclose = () => void close(0);
    const stdin = options.stdin ?? process.stdin;
    stdin.once("end", () => void close(0));
    // The agent's host stops its servers with a signal, too: the downstream is stopped with us.
    for (const signal of SIGNALS) process.once(signal, onSignal);
    upstream.connect(new StdioServerTransport(stdin, options.stdout ?? process.stdout)).catch((error) => {
      options.log(`exoarmur mcp-gateway: ${(error as Error).message}`);
      void close(1);
    });
  });
}

interface Gateway {
  exo: ExoArmurClient;
  downstream: Client;
  upstream: Server;
  naming: GatewayNaming;
  session: string;
  stop: AbortController;
  log: (line: string) => void;
}

async function guardedCall(
  gateway: Gateway,
  request: CallToolRequest,
  extra: CallExtra,
  idempotencyKey: string,
): Promise<CallToolResult> {
  const { params } = request;
  const built = intentForCall(gateway.naming, params, gateway.upstream.getClientVersion(), gateway.session);
  if (!built.ok) return undecidedResult(params.name, built.message);
  const { action } = built.intent;
  const signal = AbortSignal.any([extra.signal, gateway.stop.signal]);
  const progress = progressTo(params._meta?.progressToken, extra);
  let called = false;
  try {
    return await gateway.exo.guard(
      built.intent,
      async () => {
        called = true;
        // Without the agent's _meta: its progressToken is the gateway's to answer (the downstream gets its own).
        const { _meta, ...forwarded } = params;
        return (await gateway.downstream.callTool(forwarded, undefined, {
          signal,
          timeout: DOWNSTREAM_TIMEOUT_MS,
          resetTimeoutOnProgress: true,
          onprogress: (p) =>
            progress(p.message ?? `${action}: ${p.progress}${p.total ? ` of ${p.total}` : ""}`),
        })) as CallToolResult;
      },
      {
        idempotencyKey,
        signal,
        onPending: (decision) => progress(pendingMessage(action, decision)),
        report: (result) => reportOf(params.name, result),
        onReportError: (error) =>
          gateway.log(
            `exoarmur mcp-gateway: ${action}: the outcome was not reported: ${(error as Error).message}`,
          ),
      },
    );
  } catch (error) {
    if (isRefusal(error)) return refusedResult(action, error);
    // The downstream's own error (reported as failed by guard): the agent gets it as it came.
    if (called) throw error;
    return undecidedResult(action, (error as Error).message, error);
  }
}

/** Progress notifications for the agent's request, when it asked for them (a progressToken). */
function progressTo(token: ProgressToken | undefined, extra: CallExtra) {
  let progress = 0;
  return (message: string) => {
    if (token === undefined) return;
    extra
      .sendNotification({
        method: "notifications/progress",
        params: { progressToken: token, progress: ++progress, message },
      })
      .catch(() => {});
  };
}

function pendingMessage(action: string, decision: Decision): string {
  const approval = decision.approval;
  const votes = approval
    ? `${approval.approvals} of ${approval.quorum} approvals (${approval.roles.join(", ")})`
    : "";
  const until = approval ? `, until ${approval.expiresAt}` : "";
  return `${action} waits for people: ${votes}${until}; decision ${decision.decisionId}${decision.decidingRule ? `, rule ${decision.decidingRule}` : ""}`;
}

/** One answer per key: the same request sent again (or while the first runs) shares the first's result. */
function rememberedCalls() {
  const answers = new Map<string, Promise<CallToolResult>>();
  return (key: string, call: () => Promise<CallToolResult>) => {
    let answer = answers.get(key);
    if (!answer) {
      answer = call();
      answers.set(key, answer);
      if (answers.size > REMEMBERED_CALLS) answers.delete(answers.keys().next().value as string);
    }
    return answer;
  };
}
