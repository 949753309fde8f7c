// Which executor runs an allowed action, per tenant: an ordered list of routes from action globs to
// an executor; the first match wins. A tenant without configuration uses the built-in `record`
// executor; once it has routes, an action no route matches fails INVALID. A webhook's secret signs each request
// (HMAC-SHA256) and is never returned by the API.

import { z } from "zod";
import { globMatch, globSchema } from "../../core";

const actions = z
  .array(globSchema, { error: "must be an array of action globs" })
  .min(1, { error: "must list at least one action glob" })
  .max(100, { error: "must list at most 100 globs" });

/** A webhook's HMAC secret as an admin sends it (notification channels use the same rule). */
export const inputSecret = z
  .string({ error: "must be a string" })
  .min(16, { error: "must be at least 16 characters" })
  .max(256)
  .optional();

// As stored, a secret is sealed (server/crypto/secret-box.ts): longer than what an admin types.
const storedSecret = z.string().max(4096).optional();

/** An outbound URL (executor webhooks, notification channels): http(s), no credentials. */
export const webhookUrlSchema = z
  .string({ error: "must be a string" })
  .max(2048, { error: "must be at most 2048 characters" })
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === "http:" || url.protocol === "https:") && !url.username && !url.password;
      } catch {
        return false;
      }
    },
    { error: "must be an http(s) URL without credentials" },
  );

const webhookRouteSchemaWith = (secret: typeof inputSecret) =>
  z.strictObject({
    type: z.literal("webhook"),
    actions,
    url: webhookUrlSchema,
    timeoutMs: z
      .number({ error: "must be a number" })
      .int({ error: "must be a whole number of milliseconds" })
      .min(100, { error: "must be at least 100" })
      .max(60_000, { error: "must be at most 60000" })
      .default(5000),
    secret,
  });

const recordRouteSchema = z.strictObject({ type: z.literal("record"), actions });

const configSchemaWith = (secret: typeof inputSecret) =>
  z.strictObject({
    routes: z
      .array(
        z.discriminatedUnion("type", [webhookRouteSchemaWith(secret), recordRouteSchema], {
          error: "type must be webhook or record",
        }),
        {
          error: "must be an array",
        },
      )
      .max(100, { error: "must have at most 100 routes" }),
  });

/** What an admin sends. */
export const executorConfigSchema = configSchemaWith(inputSecret);
/** What the Tenant row holds: the same, with each secret sealed (server/services/executors/stored.ts). */
export const storedExecutorConfigSchema = configSchemaWith(storedSecret);
export type ExecutorConfig = z.infer<typeof executorConfigSchema>;
export type ExecutorRoute = ExecutorConfig["routes"][number];

const RECORD_ROUTE: ExecutorRoute = { type: "record", actions: ["*"] };

/**
 * The route for an action: the first that matches. A tenant without routes uses `record`; once a
 * tenant has routes, an action none of them matches has no executor (null: the attempt fails
 * INVALID) — it must not pretend to succeed. A route may send actions to `record` explicitly.
 */
export function routeFor(config: ExecutorConfig | null, action: string): ExecutorRoute | null {
  if (!config || config.routes.length === 0) return RECORD_ROUTE;
  return config.routes.find((route) => route.actions.some((glob) => globMatch(glob, action))) ?? null;
}

/** The configuration as the API shows it: secrets replaced by whether one is set. */
export function redactConfig(config: ExecutorConfig | null) {
  return {
    routes: (config?.routes ?? []).map((route) =>
      route.type === "webhook"
        ? {
            type: route.type,
            actions: route.actions,
            url: route.url,
            timeoutMs: route.timeoutMs,
            hasSecret: route.secret !== undefined,
          }
        : route,
    ),
  };
}
