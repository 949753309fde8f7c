// Executor configurations as the Tenant row holds them: each webhook secret sealed under
// EXOARMUR_SECRET_KEY (server/crypto/secret-box.ts), bound to the tenant, so that a database backup
// does not hand out the HMAC secrets that make a webhook call look genuine. The dispatcher opens
// them right before use; the API never returns them either way.

import { isSealed, openSecret, sealSecret } from "../../crypto/secret-box";
import { type ExecutorConfig, storedExecutorConfigSchema } from "./config";

const context = (tenantId: string) => `executor-secret:${tenantId}`;

/** The configuration to store: secrets sealed (already sealed ones, from a re-seal, kept). */
export function sealConfig(config: ExecutorConfig, tenantId: string): ExecutorConfig {
  return {
    routes: config.routes.map((route) =>
      route.type === "webhook" && route.secret !== undefined && !isSealed(route.secret)
        ? { ...route, secret: sealSecret(route.secret, context(tenantId)) }
        : route,
    ),
  };
}

/** Whether a stored configuration still has a secret in plaintext (written before encryption). */
export function hasPlaintextSecret(config: ExecutorConfig): boolean {
  return config.routes.some(
    (route) => route.type === "webhook" && route.secret !== undefined && !isSealed(route.secret),
  );
}

export type OpenedConfig = { config: ExecutorConfig | null; problem: string | null };

/**
 * A stored configuration, validated and with its secrets opened. A plaintext secret (stored by an
 * earlier release) is used as it is. What cannot be used is a `problem`: the attempt fails INVALID
 * with it, never sending anything.
 */
export function openStoredConfig(stored: unknown, tenantId: string): OpenedConfig {
  if (stored === null || stored === undefined) return { config: null, problem: null };
  const parsed = storedExecutorConfigSchema.safeParse(stored);
  if (!parsed.success) return { config: null, problem: "the tenant's executor configuration is invalid" };
  try {
    const routes = parsed.data.routes.map((route) =>
      route.type === "webhook" && route.secret !== undefined
        ? { ...route, secret: openSecret(route.secret, context(tenantId)) }
        : route,
    );
    return { config: { routes }, problem: null };
  } catch (error) {
    return {
      config: null,
      problem: `the tenant's webhook secret cannot be used: ${(error as Error).message}`,
    };
  }
}
