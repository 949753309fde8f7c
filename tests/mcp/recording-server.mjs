// A small real MCP server (stdio) for the gateway's tests: a few file-like tools that do nothing
// but answer, and append every call they receive, as one JSON line, to $MCP_RECORD_FILE, so a
// test can tell which calls reached it. Plain JavaScript: started as a child, without a loader.
import { appendFileSync } from "node:fs";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const record = (tool, args) =>
  appendFileSync(process.env.MCP_RECORD_FILE, `${JSON.stringify({ tool, args })}\n`);

const server = new McpServer({ name: "recorder", version: "1.0.0" });
const tool = (name, description, shape, answer) =>
  server.registerTool(name, { description, inputSchema: shape }, async (args) => {
    record(name, args);
    return answer(args);
  });

tool("read_file", "read a file", { path: z.string() }, ({ path }) => ({
  content: [{ type: "text", text: `contents of ${path}` }],
}));
tool("delete_file", "delete a file", { path: z.string() }, ({ path }) => ({
  content: [{ type: "text", text: `deleted ${path}` }],
}));
tool("write_note", "write a note", { text: z.string() }, ({ text }) => ({
  content: [{ type: "text", text: `noted: ${text}` }],
}));
tool("deploy", "deploy a service", { service: z.string() }, ({ service }) => ({
  content: [{ type: "text", text: `deployed ${service}` }],
}));
tool("broken", "a tool that fails", {}, () => ({
  isError: true,
  content: [{ type: "text", text: "disk full" }],
}));

await server.connect(new StdioServerTransport());
