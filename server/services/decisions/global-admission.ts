// The platform-wide admission bucket (issue 11 §3): `EXOARMUR_GLOBAL_RATE` intents per second with
// a burst of `EXOARMUR_GLOBAL_BURST` (default twice the rate), shared by every tenant and every app
// instance on the database, so that no single tenant can take every admission slot and many
// instances cannot flood the database. The default is above what one instance of this machine
// decides (docs/BENCHMARKS.md) and above the default tenant rate (200/s).

import type pg from "pg";
import { ASYNC_COMMIT_CTE } from "../../db/async-commit";
import { ServiceError } from "../shared/errors";

export const DEFAULT_GLOBAL_RATE = 5000;
let configCache: { raw: string; rate: number; burst: number } | null = null;

export function globalAdmission(): { rate: number; burst: number } {
  const rawRate = process.env.EXOARMUR_GLOBAL_RATE ?? "";
  const rawBurst = process.env.EXOARMUR_GLOBAL_BURST ?? "";
  const raw = `${rawRate}|${rawBurst}`;
  if (configCache?.raw === raw) return configCache;
  const rate = rawRate === "" ? DEFAULT_GLOBAL_RATE : Number(rawRate);
  if (!Number.isFinite(rate) || rate <= 0)
    throw new Error(`EXOARMUR_GLOBAL_RATE must be a positive number of intents per second, not "${rawRate}"`);
  const burst = rawBurst === "" ? Math.max(1, Math.ceil(rate * 2)) : Number(rawBurst);
  if (!Number.isInteger(burst) || burst < 1)
    throw new Error(`EXOARMUR_GLOBAL_BURST must be a whole number of at least 1, not "${rawBurst}"`);
  configCache = { raw, rate, burst };
  return configCache;
}

/**
 * Takes up to `count` tokens in one short statement (autocommit, before the batch's transaction,
 * without a WAL flush of its own: db/async-commit.ts): its row lock is held for microseconds, not
 * for the whole batch or an fsync. Returns how many of the `count`
 * got none (the last ones), with the error they answer.
 */
export async function takeGlobal(
  pool: pg.Pool,
  count: number,
): Promise<{ count: number; error: ServiceError }> {
  const { rate, burst } = globalAdmission();
  const take = async () =>
    (await pool.query({ name: "global_take_n", text: TAKE_GLOBAL, values: [rate, burst, count] })).rows[0] as
      | { level: number; taken: number }
      | undefined;
  let row = await take();
  if (!row) {
    // The row deleted by hand: recreate it full (the migration seeds it).
    await pool.query(
      `INSERT INTO "GlobalRateBucket" (id, tokens, "updatedAt") VALUES (1, 'Infinity', clock_timestamp()) ON CONFLICT DO NOTHING`,
    );
    row = await take();
  }
  const taken = Number(row?.taken ?? 0);
  const left = Number(row?.level ?? 0) - taken;
  return {
    count: count - taken,
    error: new ServiceError(
      "RATE_LIMITED",
      `the platform is over its global admission rate (${rate}/s, burst ${burst}); try again later`,
      { retryAfterSeconds: Math.max(1, Math.ceil((1 - left) / rate)), reason: "GLOBAL_RATE_LIMITED" },
    ),
  };
}

/** Gives back tokens taken by submissions that made no new decision (refused, replayed, failed). */
export async function refundGlobal(pool: pg.Pool, count: number): Promise<void> {
  const { burst } = globalAdmission();
  // The original answers matter more; an unreturned token refills at the rate.
  await pool.query({ name: "global_refund_n", text: REFUND_GLOBAL, values: [burst, count] }).catch(() => {});
}

/** $1 rate, $2 burst, $3 wanted: the refilled level of the locked row; debited by what it holds, up to $3. */
const TAKE_GLOBAL = `
WITH ${ASYNC_COMMIT_CTE}, g AS (
  SELECT LEAST($2::float8, tokens + EXTRACT(EPOCH FROM (clock_timestamp() - "updatedAt")) * $1::float8) AS level
    FROM "GlobalRateBucket", async_commit WHERE id = 1 FOR UPDATE OF "GlobalRateBucket"
), n AS (
  SELECT level, LEAST($3::int, greatest(floor(level), 0))::int AS taken FROM g
), u AS (
  UPDATE "GlobalRateBucket" x SET tokens = n.level - n.taken, "updatedAt" = clock_timestamp()
    FROM n WHERE x.id = 1 AND n.taken > 0
  RETURNING 1
)
SELECT n.level, n.taken FROM n WHERE (SELECT count(*) FROM u) >= 0`;

const REFUND_GLOBAL = `WITH ${ASYNC_COMMIT_CTE}
UPDATE "GlobalRateBucket" SET tokens = LEAST($1::float8, tokens + $2::int) FROM async_commit WHERE id = 1`;
