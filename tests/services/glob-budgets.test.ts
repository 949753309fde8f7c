import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { globCost, MATCH_BUDGET, MAX_MATCHED_TEXT, SWITCH_MATCH_BUDGET } from "../../server/core";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { setExecutorConfig } from "../../server/services/executors/executors";
import {
  MAX_ENGAGED_ACTION_SWITCHES,
  setKillSwitch,
} from "../../server/services/kill-switches/kill-switches";
import type { ServiceError } from "../../server/services/shared/errors";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { refusal } from "../support/refusal";

// One tenant cannot stall the others (issue 10 §6), outside the policy too: every decision of a
// tenant matches its engaged action kill switches, every dispatch its executor routes. A hostile
// admin could engage thousands of scanning switches ("*…*") or store 10,000 scanning route globs;
// both lists share the matching budget a policy has, refused with a 400 that names the glob.

let db: Db;
let tenant: TenantFixture;
/** A glob that scans the whole action: text between two stars. Distinct per i. */
const scanning = (i: number) => `*${String(i).padStart(4, "0")}${"x".repeat(20)}*`;
const cost = (glob: string) => globCost(glob, MAX_MATCHED_TEXT);

const engage = (action: string, principal = tenant.keys.admin.principal) =>
  setKillSwitch(db, principal, { scope: "action", action, engaged: true, reason: "drill" });
const engagedCost = async () => {
  const rows = await db.killSwitch.findMany({
    where: { tenantId: "budget", scope: "action", engaged: true },
  });
  return { count: rows.length, cost: rows.reduce((sum, r) => sum + cost(r.action!), 0) };
};

const releaseAll = async () => {
  const all = await db.killSwitch.findMany({
    where: { tenantId: "budget", scope: "action", engaged: true },
  });
  for (const row of all)
    await setKillSwitch(db, tenant.keys.admin.principal, {
      scope: "action",
      action: row.action!,
      engaged: false,
      reason: "reset",
    });
};

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  tenant = await seedTenant(db, "budget");
}, 180_000);
afterAll(async () => {
  await db.$disconnect();
});

describe("engaged action kill switches share a matching budget", () => {
  it("refuses the switch that would cross it, naming the glob; the tenant switch still engages", async () => {
    const fit = Math.floor(SWITCH_MATCH_BUDGET / cost(scanning(0)));
    for (let i = 0; i < fit; i++) await engage(scanning(i));
    const before = {
      ...(await engagedCost()),
      events: await db.event.count({ where: { tenantId: "budget" } }),
    };
    expect(before.count).toBe(fit);
    const error = await refusal(engage(scanning(fit)));
    expect(error.status).toBe(400);
    expect(error.message).toBe("the tenant's engaged action kill switches are over the matching budget");
    expect(error.details.fields?.[0]?.path).toBe("action");
    expect(error.details.fields?.[0]?.message).toContain(
      `"${scanning(fit)}" brings the worst-case glob matching`,
    );
    expect(error.details.fields?.[0]?.message).toContain("engage the tenant switch");
    // Nothing written.
    expect(await engagedCost()).toMatchObject({ count: fit });
    expect(await db.event.count({ where: { tenantId: "budget" } })).toBe(before.events);
    // A platform admin is held to it too: it is about the shared event loop, not about trust.
    const byPlatform = await refusal(
      setKillSwitch(db, PLATFORM_ADMIN, {
        scope: "action",
        tenantId: "budget",
        action: scanning(fit + 1),
        engaged: true,
        reason: "drill",
      }),
    );
    expect(byPlatform.status).toBe(400);
    // Re-engaging one already engaged does not count it twice; releasing is never refused.
    await engage(scanning(0));
    await setKillSwitch(db, tenant.keys.admin.principal, {
      scope: "action",
      action: scanning(0),
      engaged: false,
      reason: "done",
    });
    await engage(scanning(fit)); // the freed room
    // The emergency stop is always there.
    await setKillSwitch(db, tenant.keys.operator.principal, {
      scope: "tenant",
      engaged: true,
      reason: "stop",
    });
    const { result } = await submitIntent(db, tenant.keys.client.principal, intentBody());
    expect(result.verdict).toBe("DENY");
    expect(result.reason).toBe("KILL_SWITCH_TENANT");
    await setKillSwitch(db, tenant.keys.operator.principal, {
      scope: "tenant",
      engaged: false,
      reason: "ok",
    });
  });

  it("two admins engaging at once cannot both squeeze past it", async () => {
    await releaseAll();
    const fit = Math.floor(SWITCH_MATCH_BUDGET / cost(scanning(0)));
    for (let i = 0; i < fit - 1; i++) await engage(scanning(1000 + i));
    // One slot left: 10 concurrent engages of distinct globs, by two admins' keys.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        engage(scanning(2000 + i), i % 2 ? tenant.keys.admin.principal : PLATFORM_ADMIN),
      ),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const after = await engagedCost();
    expect(after.count).toBe(fit);
    expect(after.cost).toBeLessThanOrEqual(SWITCH_MATCH_BUDGET);
  });
});

describe("executor routes share the matching budget", () => {
  it("refuses routes whose globs would make each dispatch scan too much, naming the glob; nothing changes", async () => {
    const routes = Array.from({ length: 100 }, (_, r) => ({
      type: "record" as const,
      actions: Array.from({ length: 100 }, (_, g) => scanning(r * 100 + g)),
    }));
    const total = routes.flatMap((r) => r.actions).reduce((sum, g) => sum + cost(g), 0);
    expect(total).toBeGreaterThan(MATCH_BUDGET);
    const before = await db.tenant.findUniqueOrThrow({ where: { id: "budget" } });
    const error = await refusal(setExecutorConfig(db, tenant.keys.admin.principal, "budget", { routes }));
    expect(error.status).toBe(400);
    expect(error.message).toBe("executor configuration is over the matching budget");
    const [field] = error.details.fields!;
    const m = /^routes\[(\d+)\]\.actions\[(\d+)\]$/.exec(field!.path);
    expect(m).not.toBeNull();
    expect(field!.message).toContain(`"${routes[Number(m![1])]!.actions[Number(m![2])]}"`);
    const after = await db.tenant.findUniqueOrThrow({ where: { id: "budget" } });
    expect(after.executorConfig).toEqual(before.executorConfig);
    // Anchored globs, the ordinary kind, fit by the thousands.
    const ordinary = Array.from({ length: 100 }, (_, r) => ({
      type: "record" as const,
      actions: Array.from({ length: 50 }, (_, g) => `svc${r}.op${g}.*`),
    }));
    await setExecutorConfig(db, tenant.keys.admin.principal, "budget", { routes: ordinary });
  });
});

describe("engaged action switches: a bounded count, visible globs, releases always work", () => {
  it(`at most ${MAX_ENGAGED_ACTION_SWITCHES}, however cheap: each one is copied into every decision's input`, async () => {
    await releaseAll();
    for (let i = 0; i < MAX_ENGAGED_ACTION_SWITCHES; i++) await engage(`h${i}`);
    const error = await refusal(engage("h-one-more"));
    expect(error.status).toBe(400);
    expect(error.message).toBe("the tenant's engaged action kill switches are at their limit");
    expect(error.details.fields?.[0]?.path).toBe("action");
    expect((await engagedCost()).count).toBe(MAX_ENGAGED_ACTION_SWITCHES);
    await engage("h0"); // re-engaging one already engaged is not one more
    const { result } = await submitIntent(db, tenant.keys.client.principal, intentBody({ action: "h7" }));
    expect(result.reason).toBe("KILL_SWITCH_ACTION");
    await releaseAll();
  });

  it("a glob that would display as another is refused when engaged; one stored under older rules is still released", async () => {
    const hidden = await refusal(engage("host.\u200bisolate"));
    expect(hidden.status).toBe(400);
    expect(hidden.details.fields?.[0]).toMatchObject({
      path: "action",
      message: expect.stringContaining("U+200B"),
    });
    // Engaged before the rule existed (as the service wrote it then).
    await db.killSwitch.create({
      data: {
        id: "action:budget:db.\u200bdrop",
        scope: "action",
        tenantId: "budget",
        action: "db.\u200bdrop",
        engaged: true,
        reason: "old",
        changedBy: "platform-admin",
        changedAt: new Date(),
      },
    });
    const { result } = await submitIntent(
      db,
      tenant.keys.client.principal,
      intentBody({ action: "db.backup" }),
    );
    expect(result.verdict).toBe("ALLOW"); // decides with the old switch among the engaged ones
    await setKillSwitch(db, tenant.keys.admin.principal, {
      scope: "action",
      action: "db.\u200bdrop",
      engaged: false,
      reason: "released",
    });
    expect(
      (await db.killSwitch.findUniqueOrThrow({ where: { id: "action:budget:db.\u200bdrop" } })).engaged,
    ).toBe(false);
  });

  it("the dashboard (stale check) and REST engaging one switch at once never deadlock", async () => {
    for (let round = 0; round < 15; round++) {
      const current = await db.killSwitch.findUnique({ where: { id: "action:budget:race.*" } });
      const seen = current ? current.changedAt.toISOString() : null;
      const outcomes = await Promise.allSettled([
        setKillSwitch(
          db,
          tenant.keys.operator.principal,
          { scope: "action", action: "race.*", engaged: true, reason: "dash" },
          new Date(),
          seen,
        ),
        setKillSwitch(db, tenant.keys.admin.principal, {
          scope: "action",
          action: "race.*",
          engaged: true,
          reason: "rest",
        }),
      ]);
      for (const o of outcomes)
        if (o.status === "rejected") expect((o.reason as ServiceError).details.reason).toBe("STALE");
    }
  });
});
