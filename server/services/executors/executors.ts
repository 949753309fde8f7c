import {
  chainEvent,
  globListMatchProblem,
  hiddenCharacterProblem,
  MATCH_BUDGET,
  parseWith,
} from "../../core";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { requireActiveTenant, requireTenantRole } from "../access/authorize";
import { type Principal, principalLabel } from "../access/principal";
import { appendEvents } from "../chain/append";
import { invalid, notFound } from "../shared/errors";
import { iso } from "../shared/ids";
import { TX_OPTIONS, type Tx } from "../shared/transaction";
import { chainedRoutes } from "./chained";
import { executorConfigSchema, redactConfig, storedExecutorConfigSchema } from "./config";
import { destinationProblems } from "./destinations";
import { sealConfig } from "./stored";

/** A tenant's executor routes: validated on write, secrets never returned. */
export async function setExecutorConfig(
  db: Db,
  principal: Principal,
  tenantId: string,
  body: unknown,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, ["admin"]);
  const parsed = parseWith(executorConfigSchema, body);
  if (!parsed.ok) throw invalid(parsed.errors, "executor configuration is invalid");
  const globs = parsed.value.routes.flatMap((route, r) =>
    route.actions.map((glob, g) => ({ path: `routes[${r}].actions[${g}]`, glob })),
  );
  const hidden = globs.flatMap(({ path, glob }) => {
    const message = hiddenCharacterProblem(glob);
    return message ? [{ path, message }] : [];
  });
  if (hidden.length > 0) throw invalid(hidden, "executor configuration is invalid");
  // Every dispatch matches the action against the routes in turn: bound that like a policy.
  const costly = globListMatchProblem(globs, MATCH_BUDGET, "the executor routes");
  if (costly) throw invalid([costly], "executor configuration is over the matching budget");
  const refused = destinationProblems(parsed.value);
  if (refused.length > 0) throw invalid(refused, "executor configuration points at a refused destination");
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    if (!(await tx.tenant.findUnique({ where: { id: tenantId }, select: { id: true } })))
      throw notFound(`tenant ${tenantId}`);
    await tx.tenant.update({
      where: { id: tenantId },
      data: { executorConfig: sealConfig(parsed.value, tenantId) as unknown as Prisma.InputJsonValue },
    });
    await appendEvents(tx, tenantId, [
      chainEvent("tenant.executors_set", tenantId, iso(now), {
        routes: chainedRoutes(parsed.value),
        by: principalLabel(principal),
      }),
    ]);
    return { tenantId, ...redactConfig(parsed.value) };
  }, TX_OPTIONS);
}

export async function getExecutorConfig(db: Db, principal: Principal, tenantId: string) {
  requireTenantRole(principal, tenantId, ["operator", "auditor", "admin"]);
  const tenant = await db.tenant.findUnique({ where: { id: tenantId }, select: { executorConfig: true } });
  if (!tenant) throw notFound(`tenant ${tenantId}`);
  const parsed = tenant.executorConfig ? storedExecutorConfigSchema.safeParse(tenant.executorConfig) : null;
  const config = parsed?.success ? parsed.data : null;
  // A webhook URL often embeds a token: only those who may change it see it; operators and
  // auditors see the routes as the chain records them (scheme, host and the URL's hash).
  const seesUrls = principal.kind === "platform-admin" || principal.role === "admin";
  if (!seesUrls) return { tenantId, routes: config ? chainedRoutes(config) : [] };
  return { tenantId, ...redactConfig(config) };
}
