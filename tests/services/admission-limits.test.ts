import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import type { ServiceError } from "../../server/services/shared/errors";
import { updateTenant } from "../../server/services/tenants/tenants";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { refusal } from "../support/refusal";

/**
 * Issue 11 §3: admission limits belong to the platform. Only a platform admin changes a tenant's
 * limits; a global bucket (EXOARMUR_GLOBAL_RATE / EXOARMUR_GLOBAL_BURST) caps every tenant together,
 * across app instances (two pools on one database here).
 */
let db: Db;
let second: Db;
let acme: TenantFixture;
const tenants: TenantFixture[] = [];
const WIDE = { ratePerSecond: 100_000, burst: 100_000, maxPending: 1_000_000 };

beforeAll(async () => {
  const created = await createTestDatabase();
  db = created.db;
  second = createDb(created.url);
  acme = await seedTenant(db, "acme");
  for (let i = 0; i < 5; i++) tenants.push(await seedTenant(db, `many${i}`, WIDE));
});
afterAll(async () => {
  delete process.env.EXOARMUR_GLOBAL_RATE;
  delete process.env.EXOARMUR_GLOBAL_BURST;
  await second.$disconnect();
  await db.$disconnect();
});

const refill = () => db.$executeRaw`UPDATE "GlobalRateBucket" SET tokens = 'Infinity'`;
afterEach(async () => {
  delete process.env.EXOARMUR_GLOBAL_RATE;
  delete process.env.EXOARMUR_GLOBAL_BURST;
  await refill();
});

describe("who may change a tenant's limits", () => {
  it("a tenant admin key: 403 for any limit, nothing changed; it may still rename its tenant", async () => {
    const before = await db.tenant.findUniqueOrThrow({ where: { id: "acme" } });
    const events = await db.event.count({ where: { tenantId: "acme" } });
    for (const limits of [
      { ratePerSecond: 100_000, burst: 1_000_000 },
      { burst: 1 },
      { maxPending: 5 },
      { ratePerSecond: before.ratePerSecond }, // even an unchanged value: the field is the platform's
    ]) {
      const error = await refusal(updateTenant(db, acme.keys.admin.principal, "acme", { limits }));
      expect([error.status, error.code], JSON.stringify(limits)).toEqual([403, "FORBIDDEN"]);
      expect(error.message).toContain("platform admin");
    }
    // A rename together with limits is refused whole.
    await refusal(updateTenant(db, acme.keys.admin.principal, "acme", { name: "X", limits: { burst: 2 } }));
    expect(await db.tenant.findUniqueOrThrow({ where: { id: "acme" } })).toEqual(before);
    expect(await db.event.count({ where: { tenantId: "acme" } })).toBe(events);
    expect((await updateTenant(db, acme.keys.admin.principal, "acme", { name: "Acme Renamed" })).name).toBe(
      "Acme Renamed",
    );
  });

  it("the platform admin sets them", async () => {
    const updated = await updateTenant(db, PLATFORM_ADMIN, "acme", {
      limits: { ratePerSecond: 50, burst: 60, maxPending: 70 },
    });
    expect(updated.limits).toEqual({ ratePerSecond: 50, burst: 60, maxPending: 70 });
  });
});

describe("the global admission bucket", () => {
  it("many tenants together: beyond the global burst every tenant gets 429 GLOBAL_RATE_LIMITED with Retry-After; two instances never admit more than the bucket holds", async () => {
    process.env.EXOARMUR_GLOBAL_RATE = "0.1";
    process.env.EXOARMUR_GLOBAL_BURST = "10";
    const started = Date.now();
    // 40 submissions from 5 tenants (each far under its own limit), split over two pools.
    const attempts = Array.from({ length: 40 }, (_, i) =>
      submitIntent(i % 2 === 0 ? db : second, tenants[i % 5]!.keys.client.principal, intentBody()).then(
        () => null,
        (error: ServiceError) => error,
      ),
    );
    const outcomes = await Promise.all(attempts);
    const elapsed = (Date.now() - started) / 1000;
    const admitted = outcomes.filter((o) => o === null).length;
    const refused = outcomes.filter((o): o is ServiceError => o !== null);
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(10 + Math.floor(0.1 * elapsed));
    expect(refused.length).toBe(40 - admitted);
    for (const error of refused) {
      expect([error.status, error.code, error.details.reason]).toEqual([
        429,
        "RATE_LIMITED",
        "GLOBAL_RATE_LIMITED",
      ]);
      // Under a token left, at 0.1/s: the next token is at most 10 s away.
      expect(error.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(error.details.retryAfterSeconds).toBeLessThanOrEqual(10);
    }
    expect(await db.decision.count({ where: { tenantId: { startsWith: "many" } } })).toBe(admitted);
  });

  it("the Retry-After is when the next token arrives", async () => {
    process.env.EXOARMUR_GLOBAL_RATE = "0.5";
    process.env.EXOARMUR_GLOBAL_BURST = "1";
    await submitIntent(db, tenants[0]!.keys.client.principal, intentBody());
    const error = await refusal(submitIntent(db, tenants[1]!.keys.client.principal, intentBody()));
    expect(error.details).toMatchObject({ reason: "GLOBAL_RATE_LIMITED", retryAfterSeconds: 2 });
    expect(error.message).toContain("global");
  });

  it("a tenant over its own limit gets its own RATE_LIMITED and does not drain the global bucket", async () => {
    process.env.EXOARMUR_GLOBAL_RATE = "0.001";
    process.env.EXOARMUR_GLOBAL_BURST = "5";
    const greedy = await seedTenant(db, "greedy", { ratePerSecond: 0.001, burst: 1 });
    const results = [];
    for (let i = 0; i < 10; i++)
      results.push(
        await submitIntent(db, greedy.keys.client.principal, intentBody()).then(
          () => "ok",
          (e: ServiceError) => e.details.reason,
        ),
      );
    expect(results).toEqual(["ok", ...Array(9).fill("RATE_LIMITED")]);
    // The other tenants still have the 4 global tokens the greedy one could not take.
    for (let i = 0; i < 4; i++) await submitIntent(db, tenants[i]!.keys.client.principal, intentBody());
    const error = await refusal(submitIntent(db, tenants[4]!.keys.client.principal, intentBody()));
    expect(error.details.reason).toBe("GLOBAL_RATE_LIMITED");
  });

  it("replays and invalid submissions give their global token back: only new decisions count", async () => {
    process.env.EXOARMUR_GLOBAL_RATE = "0.001";
    process.env.EXOARMUR_GLOBAL_BURST = "3";
    const body = intentBody();
    const first = await submitIntent(db, tenants[0]!.keys.client.principal, body);
    for (let i = 0; i < 5; i++)
      expect((await submitIntent(second, tenants[0]!.keys.client.principal, body)).status).toBe(200);
    for (let i = 0; i < 5; i++)
      await refusal(
        submitIntent(db, tenants[1]!.keys.client.principal, { ...intentBody(), actionClass: "A9" }),
      );
    expect(first.status).toBe(201);
    await submitIntent(db, tenants[2]!.keys.client.principal, intentBody());
    await submitIntent(second, tenants[3]!.keys.client.principal, intentBody());
    const error = await refusal(submitIntent(db, tenants[4]!.keys.client.principal, intentBody()));
    expect(error.details.reason).toBe("GLOBAL_RATE_LIMITED");
  });

  it("the default lets ordinary traffic through, and a bad setting is refused loudly", async () => {
    for (let i = 0; i < 20; i++) await submitIntent(db, tenants[i % 5]!.keys.client.principal, intentBody());
    process.env.EXOARMUR_GLOBAL_RATE = "fast";
    await expect(submitIntent(db, tenants[0]!.keys.client.principal, intentBody())).rejects.toThrow(
      /EXOARMUR_GLOBAL_RATE/,
    );
  });
});
