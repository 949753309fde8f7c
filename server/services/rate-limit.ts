import type { Tx } from "./chain";
import { ServiceError } from "./errors";

/**
 * A per-tenant token bucket kept in PostgreSQL, so the limit holds across any number of app
 * instances. One UPDATE refills by elapsed time (database clock: no skew between instances) and
 * takes a token only if one is there; the row lock it holds serializes takers of one tenant.
 * Called inside the request's transaction: a refusal rolls back, so nothing is stored.
 */
export async function takeToken(
  tx: Tx,
  tenantId: string,
  ratePerSecond: number,
  burst: number,
): Promise<void> {
  await tx.$executeRaw`INSERT INTO "RateBucket" ("tenantId", tokens, "updatedAt") VALUES (${tenantId}, ${burst}, clock_timestamp()) ON CONFLICT DO NOTHING`;
  const taken = await tx.$queryRaw<{ tokens: number }[]>`
    UPDATE "RateBucket"
       SET tokens = LEAST(${burst}::float8, tokens + EXTRACT(EPOCH FROM (clock_timestamp() - "updatedAt")) * ${ratePerSecond}::float8) - 1,
           "updatedAt" = clock_timestamp()
     WHERE "tenantId" = ${tenantId}
       AND LEAST(${burst}::float8, tokens + EXTRACT(EPOCH FROM (clock_timestamp() - "updatedAt")) * ${ratePerSecond}::float8) >= 1
    RETURNING tokens`;
  if (taken.length === 1) return;
  const [bucket] = await tx.$queryRaw<{ tokens: number }[]>`
    SELECT LEAST(${burst}::float8, tokens + EXTRACT(EPOCH FROM (clock_timestamp() - "updatedAt")) * ${ratePerSecond}::float8) AS tokens
      FROM "RateBucket" WHERE "tenantId" = ${tenantId}`;
  const wait = Math.max(1, Math.ceil((1 - (bucket?.tokens ?? 0)) / ratePerSecond));
  throw new ServiceError(
    "RATE_LIMITED",
    `tenant ${tenantId} is over its rate limit (${ratePerSecond}/s, burst ${burst})`,
    {
      retryAfterSeconds: wait,
      reason: "RATE_LIMITED",
    },
  );
}
