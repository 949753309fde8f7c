// What the agent sees when ExoArmur says no (a tool error naming the outcome, the reason, the
// deciding rule and the decision, so the agent can tell a person which decision to look at), and
// what the gateway reports about a call that ran.

import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ActionDenied, ExoArmurError } from "../../packages/client/src/errors";
import type { ExecutionReport } from "../../packages/client/src/types";

const MAX_ERROR_EXCERPT = 1_000;

/** The call was refused (DENY, DENIED, EXPIRED, BLOCKED): the downstream was not called. */
export function refusedResult(action: string, denied: ActionDenied): CallToolResult {
  const facts = [
    `reason: ${denied.reason}`,
    `rule: ${denied.decidingRule ?? "none"}`,
    `decision: ${denied.decisionId}`,
    ...(denied.executionId ? [`execution: ${denied.executionId}`] : []),
  ];
  return {
    isError: true,
    content: [
      {
        type: "text",
        text: `ExoArmur refused ${action} (${denied.outcome}): ${denied.message}\n${facts.join("\n")}`,
      },
    ],
    _meta: {
      exoarmur: {
        outcome: denied.outcome,
        reason: denied.reason,
        decidingRule: denied.decidingRule,
        decisionId: denied.decisionId,
        ...(denied.executionId ? { executionId: denied.executionId } : {}),
      },
    },
  };
}

/** No decision could be had (invalid intent, bad key, server unreachable): fail closed. */
export function undecidedResult(action: string, message: string, error?: unknown): CallToolResult {
  const code =
    error instanceof ExoArmurError ? ` [${error.code}${error.reason ? ` ${error.reason}` : ""}]` : "";
  const fields =
    error instanceof ExoArmurError && error.fields.length > 0
      ? `\n${error.fields.map((f) => `${f.path}: ${f.message}`).join("\n")}`
      : "";
  return {
    isError: true,
    content: [
      { type: "text", text: `ExoArmur could not decide ${action}; not called: ${message}${code}${fields}` },
    ],
  };
}

export const isRefusal = (error: unknown): error is ActionDenied => error instanceof ActionDenied;

/** The downstream answered: a tool error is a failed action, anything else succeeded. */
export function reportOf(tool: string, result: CallToolResult): ExecutionReport {
  if (!result.isError) return { outcome: "succeeded", detail: { tool } };
  const text = result.content
    .map((c) => (c.type === "text" ? c.text : `[${c.type}]`))
    .join("\n")
    .slice(0, MAX_ERROR_EXCERPT);
  return { outcome: "failed", detail: { tool, isError: true, error: text } };
}
