import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import type { DecisionFilter, DecisionRow } from "../../server/services/decisions/list";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { type Caller, callerAs, makeUser } from "./support";

/**
 * decisions.list: each filter, and keyset pagination — following nextCursor visits every decision
 * exactly once, in one stable order (createdAt desc, then id), even across equal timestamps and
 * while new decisions arrive.
 */
let db: Db;
let tenant: TenantFixture;
let caller: Caller;

const BASE = Date.parse("2026-03-01T10:00:00.000Z");
const minute = (n: number) => new Date(BASE + n * 60_000);
const CLASSES = ["A1_soft", "A3_irreversible", "A2_hard"] as const;
const VERDICT = { A1_soft: "ALLOW", A3_irreversible: "DENY", A2_hard: "REQUIRE_APPROVAL" } as const;
const ACTIONS = ["host.isolate", "user.disable"] as const;
const ACTORS = ["soar-1", "soar-2", "agent-x"] as const;

interface Made {
  id: string;
  createdAt: string;
  verdict: string;
  action: string;
  actorId: string;
  target: string;
}
const made: Made[] = [];

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  tenant = await seedTenant(db, "listco");
  caller = callerAs(db, { user: await makeUser(db, "auditor", { listco: "auditor" }) });
  // 30 decisions over 10 minutes, three per instant (so the id tie-break matters), with mixed
  // verdicts, actions and actors.
  for (let i = 0; i < 30; i++) {
    const actionClass = CLASSES[i % 3]!;
    const action = ACTIONS[i % 2]!;
    const actorId = ACTORS[i % 3 === 0 ? 0 : i % 5 === 0 ? 2 : 1]!;
    const now = minute(Math.floor(i / 3));
    const target = `web-${i}`;
    const { result } = await submitIntent(
      db,
      tenant.keys.client.principal,
      intentBody({ actionClass, action, target, actor: { type: "agent", id: actorId } }),
      { now },
    );
    made.push({
      id: result.decisionId,
      createdAt: now.toISOString(),
      verdict: VERDICT[actionClass],
      action,
      actorId,
      target,
    });
  }
});
afterAll(async () => {
  await db.$disconnect();
});

const list = (filter: DecisionFilter) => caller.decisions.list({ tenantId: "listco", filter });

/** Follows nextCursor from the first page to the last; returns every page. */
async function allPages(filter: DecisionFilter): Promise<DecisionRow[][]> {
  const pages: DecisionRow[][] = [];
  let cursor: DecisionFilter["cursor"];
  for (let guard = 0; guard < 100; guard++) {
    const page = await list({ ...filter, ...(cursor ? { cursor } : {}) });
    pages.push(page.rows);
    if (!page.nextCursor) return pages;
    expect(page.nextCursor).toEqual({ createdAt: page.rows.at(-1)!.createdAt, id: page.rows.at(-1)!.id });
    cursor = page.nextCursor;
  }
  throw new Error("pagination did not end");
}

/** The order the list promises, read straight from the database. */
async function databaseOrder(where: Record<string, unknown> = {}): Promise<string[]> {
  const rows = await db.decision.findMany({
    where: { tenantId: "listco", ...where },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

function expectNewestFirst(rows: DecisionRow[]) {
  for (let i = 1; i < rows.length; i++)
    expect(Date.parse(rows[i - 1]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(rows[i]!.createdAt));
}

describe("decisions.list", () => {
  it("one page of everything: every decision once, newest first, with its attributes", async () => {
    const page = await list({ limit: 200 });
    expect(page.nextCursor).toBeNull();
    expect(page.rows).toHaveLength(30);
    expect(page.rows.map((r) => r.id)).toEqual(await databaseOrder());
    expectNewestFirst(page.rows);
    const byId = new Map(page.rows.map((r) => [r.id, r]));
    for (const m of made) expect(byId.get(m.id)).toMatchObject(m);
    expect((await list({})).rows).toHaveLength(30); // the default page size (50) holds them all
  });

  it.each([1, 3, 7, 10, 15, 29, 30])(
    "pages of %i: no overlap, no gap, the same order as one big page",
    async (limit) => {
      const pages = await allPages({ limit });
      const ids = pages.flat().map((r) => r.id);
      expect(ids).toEqual(await databaseOrder());
      expect(new Set(ids).size).toBe(30);
      expect(pages.length).toBe(Math.ceil(30 / limit));
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
    },
  );

  it.each([
    ["verdict DENY", { verdict: "DENY" }, (m: Made) => m.verdict === "DENY"],
    [
      "verdict REQUIRE_APPROVAL",
      { verdict: "REQUIRE_APPROVAL" },
      (m: Made) => m.verdict === "REQUIRE_APPROVAL",
    ],
    ["action", { action: "user.disable" }, (m: Made) => m.action === "user.disable"],
    ["actor", { actor: "soar-2" }, (m: Made) => m.actorId === "soar-2"],
    ["reason", { reason: "POLICY_DENY" }, (m: Made) => m.verdict === "DENY"],
    [
      "verdict + actor",
      { verdict: "ALLOW", actor: "soar-1" },
      (m: Made) => m.verdict === "ALLOW" && m.actorId === "soar-1",
    ],
    [
      "time: from inclusive, to exclusive",
      { from: minute(2).toISOString(), to: minute(5).toISOString() },
      (m: Made) => m.createdAt >= minute(2).toISOString() && m.createdAt < minute(5).toISOString(),
    ],
    [
      "time with an offset",
      { from: "2026-03-01T11:03:00+01:00" },
      (m: Made) => m.createdAt >= minute(3).toISOString(),
    ],
    ["action prefix", { action: "user" }, (m: Made) => m.action.startsWith("user")],
    ["action glob", { action: "*.isolate" }, (m: Made) => m.action === "host.isolate"],
    ["action glob with ?", { action: "host.isolat?" }, (m: Made) => m.action === "host.isolate"],
    ["actor prefix", { actor: "soar" }, (m: Made) => m.actorId.startsWith("soar")],
    ["actor glob with ?", { actor: "soar-?" }, (m: Made) => m.actorId.startsWith("soar-")],
    ["actor glob in the middle", { actor: "*gent-*" }, (m: Made) => m.actorId === "agent-x"],
    [
      "action + time",
      { action: "host.isolate", to: minute(4).toISOString() },
      (m: Made) => m.action === "host.isolate" && m.createdAt < minute(4).toISOString(),
    ],
  ] as const)(
    "filter by %s: exactly the matching decisions, paged without gaps",
    async (_label, filter, match) => {
      const expected = made.filter(match).map((m) => m.id);
      expect(expected.length).toBeGreaterThan(0);
      const one = await list({ ...filter, limit: 200 });
      expect(new Set(one.rows.map((r) => r.id))).toEqual(new Set(expected));
      expect(one.rows).toHaveLength(expected.length);
      expectNewestFirst(one.rows);
      const paged = (await allPages({ ...filter, limit: 4 })).flat().map((r) => r.id);
      expect(paged).toEqual(one.rows.map((r) => r.id));
    },
  );

  it("a filter nothing matches: an empty page and no cursor", async () => {
    expect(await list({ action: "nothing.matches" })).toEqual({ rows: [], nextCursor: null });
    // A glob is anchored at both ends; SQL's own wildcards and escape are plain characters.
    for (const action of [
      "*.isol",
      "host.isolate2",
      "host.isolate.*",
      "host_isolate",
      "host%",
      "?ser.disable?",
    ])
      expect((await list({ action })).rows, action).toEqual([]);
    for (const actor of ["soar_1", "soar%", "%", "_", "\\", "soar\\-1", "soar-??"])
      expect((await list({ actor })).rows, actor).toEqual([]);
    expect(await list({ to: minute(-1).toISOString() })).toEqual({ rows: [], nextCursor: null });
    expect(await list({ from: minute(5).toISOString(), to: minute(5).toISOString() })).toEqual({
      rows: [],
      nextCursor: null,
    });
  });

  it("the rows carry the approval and execution status", async () => {
    const rows = (await list({ limit: 200 })).rows;
    for (const row of rows) {
      if (row.verdict === "ALLOW") expect(row.executionStatus).toBe("QUEUED");
      if (row.verdict === "REQUIRE_APPROVAL") expect(row.approvalStatus).not.toBeNull();
      if (row.verdict === "DENY") expect([row.approvalStatus, row.executionStatus]).toEqual([null, null]);
    }
  });

  // Last: it adds a decision the tests above do not expect.
  it("paging is stable: a decision arriving between pages does not shift the later pages", async () => {
    const before = await databaseOrder();
    const first = await list({ limit: 7 });
    const late = await submitIntent(db, tenant.keys.client.principal, intentBody(), { now: minute(60) });
    const second = await list({ limit: 7, cursor: first.nextCursor! });
    expect(second.rows.map((r) => r.id)).toEqual(before.slice(7, 14));
    const fresh = await list({ limit: 1 });
    expect(fresh.rows[0]!.id).toBe(late.result.decisionId);
  });
});
