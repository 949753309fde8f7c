import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  asActionSegment,
  type GatewayNaming,
  idempotencyKeyFor,
  intentForCall,
} from "../../server/cli/mcp-gateway-intent";
import { argumentAt, EMPTY_MAP, readToolMap } from "../../server/cli/mcp-gateway-map";

// What one MCP tools/call becomes (issue 15 §3): the defaults, what --map changes, and the key
// that makes the same request the same intent. Pure functions; the gateway itself is in gateway.test.ts.

const naming = (fields: Partial<GatewayNaming> = {}): GatewayNaming => ({
  name: "files",
  map: EMPTY_MAP,
  ...fields,
});
const mapFile = (content: string) => {
  const file = join(mkdtempSync(join(tmpdir(), "exoarmur-map-")), "map.json");
  writeFileSync(file, content);
  return file;
};

describe("the intent of a tool call", () => {
  it("defaults: mcp.<name>.<tool>, A2_hard, the server's name as target, the arguments as parameters, the client as actor", () => {
    const built = intentForCall(
      naming(),
      { name: "read_file", arguments: { path: "/srv/a" } },
      { name: "claude-code" },
      "session-1",
    );
    expect(built).toEqual({
      ok: true,
      intent: {
        actor: { type: "agent", id: "claude-code" },
        action: "mcp.files.read_file",
        actionClass: "A2_hard",
        target: "files",
        parameters: { path: "/srv/a" },
        correlationId: "session-1",
      },
    });
    const bare = intentForCall(naming({ ttlSeconds: 120 }), { name: "ping" }, undefined, "s");
    expect(bare).toMatchObject({
      ok: true,
      intent: { actor: { id: "mcp-client" }, parameters: {}, ttlSeconds: 120 },
    });
  });

  it("--map sets the action, the class and a target taken from an argument path", () => {
    const read = readToolMap(
      mapFile(
        JSON.stringify({
          tools: {
            delete_file: { action: "fs.delete", actionClass: "A3_irreversible", targetArgument: "path" },
            copy: { targetArgument: "options.to.0" },
          },
        }),
      ),
    );
    if (!read.ok) throw new Error(read.message);
    const deleted = intentForCall(
      naming({ map: read.map }),
      { name: "delete_file", arguments: { path: "/etc" } },
      undefined,
      "s",
    );
    expect(deleted).toMatchObject({
      ok: true,
      intent: { action: "fs.delete", actionClass: "A3_irreversible", target: "/etc" },
    });
    const copied = intentForCall(
      naming({ map: read.map }),
      { name: "copy", arguments: { options: { to: ["/b", "/c"] } } },
      undefined,
      "s",
    );
    expect(copied).toMatchObject({
      ok: true,
      intent: { action: "mcp.files.copy", actionClass: "A2_hard", target: "/b" },
    });
  });

  it("a call without the mapped target argument is refused, never given the default target", () => {
    const map = { tools: { delete_file: { targetArgument: "path" } } };
    for (const args of [{}, { path: "" }, { path: { nested: true } }, { path: null }]) {
      const built = intentForCall(naming({ map }), { name: "delete_file", arguments: args }, undefined, "s");
      expect(built.ok).toBe(false);
      if (!built.ok) expect(built.message).toContain('argument "path"');
    }
    expect(argumentAt({ a: { b: 7 } }, "a.b")).toBe("7");
    expect(argumentAt({ a: {} }, "a.toString")).toBeUndefined();
  });

  it("names it does not choose become one action segment; valid ones stay as they are", () => {
    expect(asActionSegment("recorder")).toBe("recorder");
    expect(asActionSegment("my_server-2")).toBe("my_server-2");
    expect(asActionSegment("@acme/files server")).toBe("acme_files_server");
    expect(asActionSegment("files.read")).toBe("files_read");
    expect(asActionSegment("///")).toBe("_");
  });
});

describe("the idempotency key", () => {
  it("is the same for the same request of the same session, and differs otherwise", () => {
    const key = idempotencyKeyFor("session-1", 7);
    expect(idempotencyKeyFor("session-1", 7)).toBe(key);
    expect(idempotencyKeyFor("session-2", 7)).not.toBe(key);
    expect(idempotencyKeyFor("session-1", 8)).not.toBe(key);
    expect(idempotencyKeyFor("session-1", "7")).not.toBe(key);
    expect(key).toMatch(/^[\x21-\x7e]{1,256}$/);
  });
});

describe("the map file", () => {
  it("names each problem with its path; unreadable files and unknown fields are refused", () => {
    const bad = readToolMap(
      mapFile(JSON.stringify({ tools: { rm: { actionClass: "A9_nuclear", action: "not an action" } } })),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.message).toContain("tools.rm.actionClass");
      expect(bad.message).toContain("tools.rm.action");
    }
    const unknown = readToolMap(mapFile(JSON.stringify({ tools: { rm: { target: "path" } } })));
    expect(unknown.ok).toBe(false);
    expect(readToolMap(mapFile("{ not json"))).toMatchObject({ ok: false });
    expect(readToolMap("/nonexistent/map.json")).toMatchObject({
      ok: false,
      message: expect.stringContaining("no such file"),
    });
  });
});
