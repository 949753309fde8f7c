import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

// The gateway as an agent runs it: `exoarmur mcp-gateway … -- node recording-server.mjs` as a
// child, spoken to over stdio by a real MCP client; the downstream records every call it gets.

export interface RunningGateway {
  client: Client;
  /** The calls that reached the downstream server, in order. */
  recorded: () => { tool: string; args: Record<string, unknown> }[];
  close: () => Promise<void>;
}

export interface GatewaySetup {
  url: string;
  apiKey: string;
  /** `--name` (default `files`). */
  name?: string;
  map?: unknown;
}

/** The command line and environment of a gateway in front of the recording server. */
export function gatewayCommand(setup: GatewaySetup) {
  const dir = mkdtempSync(join(tmpdir(), "exoarmur-mcp-"));
  const recordFile = join(dir, "calls.jsonl");
  writeFileSync(recordFile, "");
  const args = [
    "bin/exoarmur.mjs",
    "mcp-gateway",
    "--url",
    setup.url,
    "--api-key",
    setup.apiKey,
    "--name",
    setup.name ?? "files",
  ];
  if (setup.map) {
    writeFileSync(join(dir, "map.json"), JSON.stringify(setup.map));
    args.push("--map", join(dir, "map.json"));
  }
  args.push("--", process.execPath, "tests/mcp/recording-server.mjs");
  const env = { ...(process.env as Record<string, string>), MCP_RECORD_FILE: recordFile };
  const recorded = () =>
    readFileSync(recordFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  return { command: process.execPath, args, env, recorded };
}

export async function startGateway(setup: GatewaySetup, clientName: string): Promise<RunningGateway> {
  const { command, args, env, recorded } = gatewayCommand(setup);
  const transport = new StdioClientTransport({ command, args, env, stderr: "inherit" });
  const client = new Client({ name: clientName, version: "1.0.0" });
  await client.connect(transport);
  return { client, recorded, close: () => client.close() };
}
