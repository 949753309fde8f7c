// The contracts of DESIGN.md as zod schemas. Every object is strict (unknown fields are errors, so
// a typo like `actionclass` is refused instead of silently ignored) and every message names what
// was expected, so `{path, message}` is enough for a client to fix its request.

import { z } from "zod";
import { canonicalJson } from "./canonical";
import { globProblem } from "./glob";
import { jsonByteLength, jsonProblem, MAX_PARAMETERS_BYTES } from "./json";
import { formatPath } from "./paths";
import { timestampProblem } from "./time";
import { hiddenCharacterProblem } from "./visible";

const MAX_NAME_LENGTH = 256;
const MAX_TTL_SECONDS = 7 * 24 * 3600;
const MAX_RULES = 1000;
const MAX_LIST = 100;

export const ACTION_CLASSES = ["A0_observe", "A1_soft", "A2_hard", "A3_irreversible"] as const;
export const EFFECTS = ["allow", "deny", "require_approval"] as const;
export const APPROVER_ROLES = ["admin", "operator"] as const;
/** Roles of an API key in its tenant. */
export const KEY_ROLES = ["client", "operator", "auditor", "admin"] as const;
export type KeyRole = (typeof KEY_ROLES)[number];
/** Roles of a dashboard user's membership in a tenant. */
export const MEMBER_ROLES = ["admin", "operator", "auditor"] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];
export const TENANT_STATUSES = ["active", "suspended"] as const;
/** Who performs an allowed action: the tenant's executor (dispatched), or the caller itself. */
export const EXECUTION_MODES = ["executor", "caller"] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];
const KILL_SWITCH_SCOPES = ["global", "tenant", "action"] as const;

/** Refuses what would display as something else (see visible.ts): on the write side only. */
const visible = (kind: "name" | "text") => (value: string, ctx: z.RefinementCtx) => {
  const problem = hiddenCharacterProblem(value, kind);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * A stored human-meaningful string, as read back (an evaluated intent, a switch in a decision's
 * input, a policy version): the rules it was accepted under when it was written.
 */
const storedString = (max = MAX_NAME_LENGTH) =>
  z
    .string({ error: "must be a string" })
    .min(1, { error: "must not be empty" })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((s) => !CONTROL.test(s), { error: "must not contain control characters" });

/** A human-meaningful string as accepted now: non-empty, bounded, shown as it is. */
export const nameString = (max = MAX_NAME_LENGTH) => storedString(max).superRefine(visible("name"));

/** A short lowercase name (tenant ids, notification channel names); `example` is shown in the error. */
export const slugSchema = (example: string) =>
  z
    .string({ error: "must be a string" })
    .min(1, { error: "must not be empty" })
    .max(64, { error: "must be at most 64 characters" })
    .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, {
      error: `must be a slug: lowercase letters, digits and inner hyphens (e.g. ${example})`,
    });

export const tenantIdSchema = slugSchema("acme-prod");

const actionNameSchema = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(MAX_NAME_LENGTH, { error: `must be at most ${MAX_NAME_LENGTH} characters` })
  .regex(/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/, {
    error: "must be a dotted name of letters, digits, '_' and '-' (e.g. host.isolate)",
  });

const actorTypeSchema = z.string({ error: "must be a string" }).regex(/^[a-z][a-z0-9_-]{0,63}$/, {
  error: "must be a lowercase word of at most 64 characters (e.g. agent, script, playbook, human)",
});

export const timestampSchema = z.string({ error: "must be a string" }).superRefine((value, ctx) => {
  const problem = timestampProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const actionClassSchema = z.enum(ACTION_CLASSES, {
  error: `must be one of ${ACTION_CLASSES.join(", ")}`,
});

export const globSchema = z.string({ error: "must be a string" }).superRefine((value, ctx) => {
  const problem = globProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/**
 * zod builds records by assignment, so an own `__proto__` key (which JSON.parse produces) would be
 * silently dropped: a policy condition could vanish and match everything. Refuse it up front.
 */
const withoutProtoKey = <T extends z.ZodType>(schema: T) =>
  z
    .unknown()
    .superRefine((value, ctx) => {
      if (value !== null && typeof value === "object" && Object.hasOwn(value, "__proto__")) {
        ctx.addIssue({ code: "custom", path: ["__proto__"], message: "is a reserved key" });
      }
    })
    .pipe(schema);

const parametersObjectSchema = z
  .record(z.string(), z.unknown(), { error: "must be a JSON object" })
  .superRefine((value, ctx) => {
    const problem = jsonProblem(value);
    if (problem) {
      ctx.addIssue({ code: "custom", message: problem.message, path: problem.path });
      return;
    }
    const bytes = jsonByteLength(canonicalJson(value));
    if (bytes > MAX_PARAMETERS_BYTES) {
      ctx.addIssue({
        code: "custom",
        message: `is ${bytes} bytes; the limit is ${MAX_PARAMETERS_BYTES} (64 KiB)`,
      });
    }
  });

/** A JSON object of at most 64 KiB (canonical form) with nothing JSON cannot carry. */
const parametersSchema = withoutProtoKey(parametersObjectSchema);

const actorOf = (id: z.ZodType<string>) =>
  z.strictObject({ type: actorTypeSchema, id }, { error: "must be an object {type, id}" });

const ttlSchema = z
  .number({ error: "must be a number" })
  .int({ error: "must be a whole number of seconds" })
  .min(1, { error: "must be at least 1" })
  .max(MAX_TTL_SECONDS, { error: `must be at most ${MAX_TTL_SECONDS} (7 days)` });

export const idempotencyKeySchema = z
  .string({ error: "must be a string" })
  .min(1, { error: "must not be empty" })
  .max(MAX_NAME_LENGTH, { error: `must be at most ${MAX_NAME_LENGTH} characters` })
  .regex(/^[\x21-\x7e]+$/, { error: "must be printable ASCII without spaces" });

/** An intent exactly as evaluated: every field the decision depends on is present. */
const actionIntentSchema = z.strictObject({
  tenantId: tenantIdSchema,
  actor: actorOf(storedString()),
  action: actionNameSchema,
  actionClass: actionClassSchema,
  target: storedString(),
  parameters: parametersSchema,
  idempotencyKey: idempotencyKeySchema,
  requestedAt: timestampSchema,
  ttlSeconds: ttlSchema,
  correlationId: storedString().optional(),
  /** Present only for caller-executed intents: an intent stored before the field existed is dispatched. */
  execution: z.literal("caller", { error: 'must be "caller" when present' }).optional(),
});
export type ActionIntent = z.infer<typeof actionIntentSchema>;

/**
 * An intent as a client submits it: tenant comes from the API key, the idempotency key may come
 * from a header, `requestedAt` defaults to receipt time and `ttlSeconds` to 600.
 */
export const intentSubmissionSchema = z.strictObject({
  tenantId: tenantIdSchema.optional(),
  actor: actorOf(nameString()),
  action: actionNameSchema,
  actionClass: actionClassSchema,
  target: nameString(),
  parameters: parametersSchema.default({}),
  idempotencyKey: idempotencyKeySchema.optional(),
  requestedAt: timestampSchema.optional(),
  ttlSeconds: ttlSchema.optional(),
  correlationId: nameString().optional(),
  execution: z.enum(EXECUTION_MODES, { error: `must be one of ${EXECUTION_MODES.join(", ")}` }).optional(),
});
export type IntentSubmission = z.infer<typeof intentSubmissionSchema>;

const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()], {
  error: "must be a string, number, boolean or null",
});
const conditionSchema = z.union(
  [
    scalarSchema,
    z.strictObject({
      in: z
        .array(scalarSchema, { error: "must be an array" })
        .min(1, { error: "must list at least one value" })
        .max(MAX_LIST, { error: `must list at most ${MAX_LIST} values` }),
    }),
  ],
  { error: "must be a value to equal, or {in: [values]}" },
);
export type Condition = z.infer<typeof conditionSchema>;

const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item, { error: "must be an array" })
    .min(1, { error: "must not be empty (omit the field to match anything)" })
    .max(MAX_LIST, { error: `must have at most ${MAX_LIST} entries` });

const matchSchema = z.strictObject({
  actions: list(globSchema).optional(),
  actionClasses: list(actionClassSchema).optional(),
  targets: list(globSchema).optional(),
  actorTypes: list(actorTypeSchema).optional(),
  parameters: withoutProtoKey(
    z.record(storedString(), conditionSchema, { error: "must be an object of parameter conditions" }),
  ).optional(),
});

export const approvalRequirementSchema = z.strictObject({
  quorum: z
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" })
    .max(10, { error: "must be at most 10" }),
  roles: list(z.enum(APPROVER_ROLES, { error: `must be one of ${APPROVER_ROLES.join(", ")}` })),
});
export type ApprovalRequirement = z.infer<typeof approvalRequirementSchema>;

const ruleSchema = z
  .strictObject(
    {
      id: z
        .string({ error: "must be a string" })
        .min(1, { error: "must not be empty" })
        .max(128, { error: "must be at most 128 characters" })
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, { error: "must be letters, digits, '_', '.', ':' or '-'" }),
      description: z
        .string({ error: "must be a string" })
        .max(1024, { error: "must be at most 1024 characters" })
        .optional(),
      match: matchSchema.optional(),
      effect: z.enum(EFFECTS, { error: `must be one of ${EFFECTS.join(", ")}` }),
      approval: approvalRequirementSchema.optional(),
    },
    { error: "must be a rule object {id, match?, effect, approval?}" },
  )
  .superRefine((rule, ctx) => {
    if (rule.effect === "require_approval" && !rule.approval) {
      ctx.addIssue({
        code: "custom",
        path: ["approval"],
        message: "is required when effect is require_approval",
      });
    }
    if (rule.effect !== "require_approval" && rule.approval) {
      ctx.addIssue({
        code: "custom",
        path: ["approval"],
        message: `is only allowed when effect is require_approval`,
      });
    }
  });
export type Rule = z.infer<typeof ruleSchema>;

export const policySchema = z
  .strictObject(
    {
      rules: z
        .array(ruleSchema, { error: "must be an array" })
        .max(MAX_RULES, { error: `must have at most ${MAX_RULES} rules` }),
    },
    { error: "must be a policy object {rules: [...]}" },
  )
  .superRefine((policy, ctx) => {
    const seen = new Map<string, number>();
    policy.rules.forEach((rule, i) => {
      const first = seen.get(rule.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["rules", i, "id"],
          message: `duplicates the id of rules[${first}] ("${rule.id}")`,
        });
      } else seen.set(rule.id, i);
    });
  });
export type Policy = z.infer<typeof policySchema>;

const tenantSchema = z.strictObject({
  id: tenantIdSchema,
  status: z.enum(TENANT_STATUSES, { error: `must be one of ${TENANT_STATUSES.join(", ")}` }),
});
export type TenantState = z.infer<typeof tenantSchema>;

export const killSwitchSchema = z
  .strictObject({
    id: storedString(128),
    scope: z.enum(KILL_SWITCH_SCOPES, { error: `must be one of ${KILL_SWITCH_SCOPES.join(", ")}` }),
    tenantId: tenantIdSchema.optional(),
    action: globSchema.optional(),
    engaged: z.boolean({ error: "must be true or false" }),
    reason: storedString(1024),
  })
  .superRefine((ks, ctx) => {
    if (ks.scope === "global" && (ks.tenantId !== undefined || ks.action !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["scope"],
        message: "a global switch takes neither tenantId nor action",
      });
    }
    if (ks.scope !== "global" && ks.tenantId === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["tenantId"],
        message: `is required for ${ks.scope === "action" ? "an action" : "a tenant"} switch`,
      });
    }
    if (ks.scope === "action" && ks.action === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["action"],
        message: "is required for an action switch (a glob)",
      });
    }
    if (ks.scope === "tenant" && ks.action !== undefined) {
      ctx.addIssue({ code: "custom", path: ["action"], message: "is only allowed for an action switch" });
    }
  });
export type KillSwitchState = z.infer<typeof killSwitchSchema>;

/** Everything `decide` reads. Whatever varies between evaluations (time included) is in here. */
export const decisionInputSchema = z.strictObject({
  intent: actionIntentSchema,
  policy: policySchema,
  killSwitches: z.array(killSwitchSchema, { error: "must be an array" }).max(MAX_RULES),
  tenant: tenantSchema.nullable(),
  evaluatedAt: timestampSchema,
});
export type DecisionInput = z.infer<typeof decisionInputSchema>;

export interface FieldError {
  path: string;
  message: string;
}

function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path as (string | number)[];
    // Name each unknown field itself, so the client sees exactly what to remove.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: "is not a known field" }));
    }
    return [{ path: formatPath(path), message: issue.message }];
  });
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export function parseWith<T>(schema: z.ZodType<T>, value: unknown): Parsed<T> {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: fieldErrors(result.error) };
}

export const parseIntent = (value: unknown) => parseWith(actionIntentSchema, value);
export const parseIntentSubmission = (value: unknown) => parseWith(intentSubmissionSchema, value);
/** A policy as accepted now (saved, or replayed as a draft): what it shows must be what it holds. */
export function parsePolicy(value: unknown): Parsed<Policy> {
  const parsed = parseWith(policySchema, value);
  if (!parsed.ok) return parsed;
  const errors = policyShownProblems(parsed.value);
  return errors.length > 0 ? { ok: false, errors } : parsed;
}

function policyShownProblems(policy: Policy): FieldError[] {
  const errors: FieldError[] = [];
  const check = (path: (string | number)[], text: string, kind: "name" | "text") => {
    const problem = hiddenCharacterProblem(text, kind);
    if (problem) errors.push({ path: formatPath(path), message: problem });
  };
  policy.rules.forEach((rule, r) => {
    if (rule.description !== undefined) check(["rules", r, "description"], rule.description, "text");
    for (const list of ["actions", "targets"] as const)
      for (const [g, glob] of (rule.match?.[list] ?? []).entries())
        check(["rules", r, "match", list, g], glob, "name");
    for (const name of Object.keys(rule.match?.parameters ?? {}))
      check(["rules", r, "match", "parameters", name], name, "name");
  });
  return errors;
}
export const parseDecisionInput = (value: unknown) => parseWith(decisionInputSchema, value);
