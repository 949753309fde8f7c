import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { setKillSwitch } from "../../server/services/kill-switches/kill-switches";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";

// The lock order (docs/ARCHITECTURE.md) under a real race: a decide batch holds the tenant's chain
// head and then, inserting its Intent rows, takes the tenant row FOR KEY SHARE (the foreign key);
// a use case that changes the tenant (a kill switch, a policy, membership) locks the tenant row and
// then appends to the same chain. With FOR UPDATE on the tenant row those two deadlocked (40P01),
// so an operator's engage could fail exactly while the tenant was busy (review of issue 13).
let db: Db;
let tenant: TenantFixture;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  tenant = await seedTenant(db, "busy", { ratePerSecond: 100_000, burst: 100_000, maxPending: 1_000_000 });
});

afterAll(async () => {
  await db?.$disconnect();
});

describe("a tenant changed while it submits", () => {
  it("12 kill-switch changes while 12 clients submit: every change and every submission succeeds, no deadlock", async () => {
    let stop = false;
    const failures: string[] = [];
    let decided = 0;
    const clients = Array.from({ length: 12 }, async () => {
      while (!stop) {
        await submitIntent(db, tenant.keys.client.principal, intentBody()).then(
          () => decided++,
          (error: Error) => failures.push(`submit: ${error.message}`),
        );
      }
    });
    try {
      for (let i = 0; i < 12; i++) {
        await setKillSwitch(db, PLATFORM_ADMIN, {
          scope: "action",
          tenantId: "busy",
          action: `maintenance.${i % 3}`,
          engaged: i % 2 === 0,
          reason: `change ${i}`,
        }).catch((error: Error) => failures.push(`switch ${i}: ${error.message}`));
      }
    } finally {
      stop = true;
      await Promise.all(clients);
    }
    expect(failures).toEqual([]);
    expect(decided).toBeGreaterThan(0);
    const { rows } = await db.pool.query(
      "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()",
    );
    expect(Number(rows[0].deadlocks)).toBe(0);
  });
});
