import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exoarmurBin } from "../support/bin";

// `exoarmur mcp-gateway`'s refusals before it serves anything: exit 2 for its arguments and its
// map, 1 when the downstream server cannot start — and never a byte on stdout, the agent's MCP channel.

const URL_ARGS = ["--url", "http://127.0.0.1:9", "--api-key", "exo_unused"];
const DOWNSTREAM = ["--", process.execPath, "tests/mcp/recording-server.mjs"];

describe("exoarmur mcp-gateway, refusing to start", () => {
  it.each([
    ["no --url", ["--api-key", "k", ...DOWNSTREAM], "--url"],
    ["no key", ["--url", "http://127.0.0.1:9", ...DOWNSTREAM], "--api-key"],
    ["a name that is no action segment", [...URL_ARGS, "--name", "my files", ...DOWNSTREAM], "--name"],
    ["a ttl that is no whole number", [...URL_ARGS, "--ttl", "1.5", ...DOWNSTREAM], "--ttl"],
    ["a missing map", [...URL_ARGS, "--map", "/nonexistent/map.json", ...DOWNSTREAM], "no such file"],
  ])("%s: exit 2, says why on stderr", (_, args, why) => {
    const run = exoarmurBin(["mcp-gateway", ...args], { EXOARMUR_URL: "", EXOARMUR_API_KEY: "" });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(why);
    expect(run.stdout).toBe("");
  });

  it("a map with a wrong class names the tool and the field: exit 2", () => {
    const map = join(mkdtempSync(join(tmpdir(), "exoarmur-map-")), "map.json");
    writeFileSync(map, JSON.stringify({ tools: { rm: { actionClass: "A4_apocalyptic" } } }));
    const run = exoarmurBin(["mcp-gateway", ...URL_ARGS, "--map", map, ...DOWNSTREAM]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("tools.rm.actionClass");
    expect(run.stdout).toBe("");
  });

  it("a downstream server that cannot start: exit 1, nothing on stdout", () => {
    const run = exoarmurBin(["mcp-gateway", ...URL_ARGS, "--", "/nonexistent/mcp-server"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("did not start");
    expect(run.stdout).toBe("");
  });
});
