// What one MCP tools/call becomes in ExoArmur: a caller-executed intent (the gateway itself calls
// the downstream tool once it may) and the idempotency key that makes a retried request the same
// intent. Defaults: action `mcp.<name>.<tool>`, class A2_hard, target `<name>`, parameters = the
// tool's arguments, actor = the MCP client (clientInfo.name); `--map` overrides per tool.

import { createHash } from "node:crypto";
import type { IntentInput } from "../../packages/client/src/types";
import { argumentAt, type ToolMap } from "./mcp-gateway-map";

export const DEFAULT_ACTION_CLASS = "A2_hard";

/** One segment of a dotted action name (letters, digits, `_`, `-`). */
const SEGMENT = /^[A-Za-z0-9_-]+$/;

export const isActionSegment = (name: string) => SEGMENT.test(name);

/**
 * A name the gateway does not choose (the downstream's serverInfo.name, a tool's name) as one
 * segment: unchanged when it is one, else each run of other characters becomes `_`
 * (`@acme/files` → `acme_files`).
 */
export function asActionSegment(name: string): string {
  if (isActionSegment(name)) return name;
  return name.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "") || "_";
}

export interface GatewayNaming {
  /** `--name` or the downstream's serverInfo.name, as one action segment. */
  name: string;
  map: ToolMap;
  ttlSeconds?: number;
}

export interface ToolCall {
  name: string;
  arguments?: Record<string, unknown>;
}

export type BuiltIntent = { ok: true; intent: IntentInput } | { ok: false; message: string };

const MAX_ACTOR_ID = 256;

export function intentForCall(
  naming: GatewayNaming,
  call: ToolCall,
  client: { name?: string } | undefined,
  session: string,
): BuiltIntent {
  const mapping = Object.hasOwn(naming.map.tools, call.name) ? naming.map.tools[call.name] : undefined;
  const parameters = call.arguments ?? {};
  let target = naming.name;
  if (mapping?.targetArgument) {
    const value = argumentAt(parameters, mapping.targetArgument);
    // No fallback to the default: a policy written against the argument must see it.
    if (value === undefined)
      return {
        ok: false,
        message: `tool ${call.name}: the target comes from argument "${mapping.targetArgument}", which the call does not give as a string or number`,
      };
    target = value;
  }
  const actorId = client?.name?.trim().slice(0, MAX_ACTOR_ID) || "mcp-client";
  return {
    ok: true,
    intent: {
      actor: { type: "agent", id: actorId },
      action: mapping?.action ?? `mcp.${naming.name}.${asActionSegment(call.name)}`,
      actionClass: mapping?.actionClass ?? DEFAULT_ACTION_CLASS,
      target,
      parameters,
      correlationId: session,
      ...(naming.ttlSeconds ? { ttlSeconds: naming.ttlSeconds } : {}),
    },
  };
}

/**
 * The idempotency key of one tool call: the session (one per gateway connection) and the
 * JSON-RPC request id, so the same request sent again is the same intent, never a second action.
 */
export function idempotencyKeyFor(session: string, requestId: string | number): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([session, typeof requestId, String(requestId)]))
    .digest("hex");
  return `mcp-${digest.slice(0, 48)}`;
}
