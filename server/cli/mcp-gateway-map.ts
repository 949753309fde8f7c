// `exoarmur mcp-gateway --map FILE`: per tool, what its calls are in ExoArmur — the action, the
// action class, and the argument whose value is the target. Checked once at start with the
// server's own rules for actions and classes, so a typo stops the gateway rather than every call.
//
//   { "tools": {
//       "delete_file": { "action": "fs.delete", "actionClass": "A3_irreversible", "targetArgument": "path" },
//       "read_file":   { "actionClass": "A0_observe", "targetArgument": "path" } } }

import { z } from "zod";
import { intentSubmissionSchema } from "../core";
import { readJsonFile } from "./read-json-file";

const { action, actionClass } = intentSubmissionSchema.shape;

const toolMappingSchema = z.strictObject({
  action: action.optional(),
  actionClass: actionClass.optional(),
  /** A dotted path into the call's arguments (`path`, `options.destination`, `files.0`). */
  targetArgument: z
    .string({ error: "must be a string" })
    .regex(/^[^.]+(\.[^.]+)*$/, { error: "must be a dotted path into the arguments, e.g. options.path" })
    .optional(),
});

const toolMapSchema = z.strictObject({
  tools: z.record(z.string(), toolMappingSchema, { error: "must be an object: tool name → mapping" }),
});

export type ToolMapping = z.infer<typeof toolMappingSchema>;
export type ToolMap = z.infer<typeof toolMapSchema>;

export const EMPTY_MAP: ToolMap = { tools: {} };

/** The map file, or one line per problem. */
export function readToolMap(file: string): { ok: true; map: ToolMap } | { ok: false; message: string } {
  const read = readJsonFile(file);
  if (!read.ok) return read;
  const parsed = toolMapSchema.safeParse(read.value);
  if (parsed.success) return { ok: true, map: parsed.data };
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(the document)"}: ${i.message}`);
  return { ok: false, message: `${file}: ${problems.join("; ")}` };
}

/** The value at a dotted path of the arguments, when it is a string or a number; else undefined. */
export function argumentAt(args: Record<string, unknown>, path: string): string | undefined {
  let value: unknown = args;
  for (const step of path.split(".")) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, step)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}
