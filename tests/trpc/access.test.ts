import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionUser } from "../../server/auth/auth";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { createTenant } from "../../server/services/tenants/tenants";
import { createUser } from "../../server/services/users/users";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY, intentBody, seedTenant, type TenantFixture } from "../support/fixtures";
import { type Caller, callerAs, expectCode, fieldsOf, makeUser, tenantState } from "./support";

/**
 * Who may call what on the dashboard API: authentication, the per-tenant roles, tenant isolation
 * (another tenant is "not found", never "forbidden") and hostile input — each refusal checked to
 * have changed nothing.
 */
let db: Db;
let acme: TenantFixture;
let globex: TenantFixture;
const users = {} as Record<"admin" | "operator" | "auditor" | "globexOperator" | "nobody", SessionUser>;
const ids = { acmeDecision: "", acmeApproval: "", globexDecision: "", globexApproval: "", acmeKey: "" };

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  acme = await seedTenant(db, "acme");
  globex = await seedTenant(db, "globex");
  users.admin = await makeUser(db, "admin", { acme: "admin" });
  users.operator = await makeUser(db, "operator", { acme: "operator" });
  users.auditor = await makeUser(db, "auditor", { acme: "auditor" });
  users.globexOperator = await makeUser(db, "globex-op", { globex: "operator" });
  users.nobody = await makeUser(db, "nobody");
  const a = await submitIntent(db, acme.keys.client.principal, intentBody({ actionClass: "A2_hard" }));
  ids.acmeDecision = a.result.decisionId;
  ids.acmeApproval = a.result.approvalId!;
  const g = await submitIntent(db, globex.keys.client.principal, intentBody({ actionClass: "A2_hard" }));
  ids.globexDecision = g.result.decisionId;
  ids.globexApproval = g.result.approvalId!;
  ids.acmeKey = (await db.apiKey.findFirstOrThrow({ where: { tenantId: "acme", role: "client" } })).id;
});
afterAll(async () => {
  await db.$disconnect();
});

const as = (user: SessionUser | null, untrustedOrigin = false) => callerAs(db, { user, untrustedOrigin });

/** One call of every kind of procedure (query and mutation; user, tenant and platform-admin procedures). */
const everyKind = (c: Caller): [string, () => Promise<unknown>][] => [
  ["me.get", () => c.me.get()],
  ["decisions.list", () => c.decisions.list({ tenantId: "acme", filter: {} })],
  ["decisions.get", () => c.decisions.get({ tenantId: "acme", decisionId: ids.acmeDecision })],
  [
    "approvals.vote",
    () => c.approvals.vote({ tenantId: "acme", approvalId: ids.acmeApproval, vote: "approve" }),
  ],
  [
    "killSwitches.setTenant",
    () => c.killSwitches.setTenant({ tenantId: "acme", engaged: true, reason: "x" }),
  ],
  ["killSwitches.setGlobal", () => c.killSwitches.setGlobal({ engaged: true, reason: "x" })],
  ["tenants.create", () => c.tenants.create({ id: "evil", name: "Evil" })],
  [
    "policies.save",
    () => c.policies.save({ tenantId: "acme", note: "a test change", document: DEMO_POLICY }),
  ],
  ["chain.verify", () => c.chain.verify({ tenantId: "acme" })],
];

describe("authentication", () => {
  it("no credentials: UNAUTHORIZED everywhere, nothing changed", async () => {
    const before = await tenantState(db, "acme");
    for (const [name, call] of everyKind(as(null))) {
      const error = await expectCode(call(), "UNAUTHORIZED");
      expect(error.message, name).toBe("sign in first (or send an API key)");
    }
    expect(await tenantState(db, "acme")).toEqual(before);
    expect(await db.tenant.count({ where: { id: "evil" } })).toBe(0);
  });

  it("a cookie request from another origin (untrustedOrigin, user dropped): FORBIDDEN as cross-site, nothing changed", async () => {
    const before = await tenantState(db, "acme");
    for (const [name, call] of everyKind(as(null, true))) {
      const error = await expectCode(call(), "FORBIDDEN");
      expect(error.message, name).toMatch(/^cross-site request refused/);
    }
    expect(await tenantState(db, "acme")).toEqual(before);
    expect(await db.tenant.count({ where: { id: "evil" } })).toBe(0);
  });

  it("a signed-in user who belongs to no tenant sees only themselves", async () => {
    const me = await as(users.nobody).me.get();
    expect(me).toMatchObject({ user: users.nobody, platformAdmin: false, memberships: [] });
    await expectCode(as(users.nobody).decisions.list({ tenantId: "acme", filter: {} }), "NOT_FOUND");
    await expectCode(as(users.nobody).tenants.create({ id: "evil", name: "Evil" }), "FORBIDDEN");
  });
});

describe("roles", () => {
  it("an auditor reads everything in its tenant", async () => {
    const c = as(users.auditor);
    expect((await c.decisions.list({ tenantId: "acme", filter: {} })).rows.length).toBeGreaterThan(0);
    expect((await c.decisions.get({ tenantId: "acme", decisionId: ids.acmeDecision })).decisionId).toBe(
      ids.acmeDecision,
    );
    expect((await c.approvals.pending({ tenantId: "acme" })).approvals).toHaveLength(1);
    expect((await c.killSwitches.list({ tenantId: "acme" })).switches).toEqual([]);
    expect((await c.policies.versions({ tenantId: "acme" })).activeVersion).toBe(1);
    expect(await c.chain.verify({ tenantId: "acme" })).toMatchObject({ ok: true });
    expect((await c.policies.replay({ tenantId: "acme", request: { version: 1 } })).changed).toBe(0);
  });

  it("an auditor may not vote, flip a kill switch, apply or activate a policy, or manage keys, members or the tenant", async () => {
    const c = as(users.auditor);
    const before = await tenantState(db, "acme");
    const calls: [string, () => Promise<unknown>][] = [
      ["vote", () => c.approvals.vote({ tenantId: "acme", approvalId: ids.acmeApproval, vote: "approve" })],
      [
        "deny",
        () =>
          c.approvals.vote({ tenantId: "acme", approvalId: ids.acmeApproval, vote: "deny", reason: "no" }),
      ],
      ["kill switch", () => c.killSwitches.setTenant({ tenantId: "acme", engaged: true, reason: "stop" })],
      [
        "action switch",
        () => c.killSwitches.setTenant({ tenantId: "acme", engaged: true, reason: "stop", action: "host.*" }),
      ],
      [
        "apply policy",
        () => c.policies.save({ tenantId: "acme", note: "a test change", document: DEMO_POLICY }),
      ],
      ["activate policy", () => c.policies.activate({ tenantId: "acme", version: 1 })],
      [
        "create key",
        () => c.tenants.createApiKey({ tenantId: "acme", key: { role: "admin", name: "mine" } }),
      ],
      ["revoke key", () => c.tenants.revokeApiKey({ tenantId: "acme", keyId: ids.acmeKey })],
      ["list keys", () => c.tenants.apiKeys({ tenantId: "acme" })],
      ["rename tenant", () => c.tenants.update({ tenantId: "acme", changes: { name: "Mine" } })],
      [
        "add member",
        () => c.tenants.setMember({ tenantId: "acme", member: { email: users.nobody.email, role: "admin" } }),
      ],
      [
        "promote self",
        () =>
          c.tenants.setMember({ tenantId: "acme", member: { email: users.auditor.email, role: "admin" } }),
      ],
      ["global switch", () => c.killSwitches.setGlobal({ engaged: true, reason: "stop" })],
    ];
    for (const [name, call] of calls) {
      const error = await expectCode(call(), "FORBIDDEN");
      if (name !== "global switch") expect(error.message, name).toContain("you are auditor in acme");
    }
    expect(await tenantState(db, "acme")).toEqual(before);
  });

  it("an operator may vote and flip tenant switches, but not apply policies, manage keys or the global switch", async () => {
    const c = as(users.operator);
    const before = await tenantState(db, "acme");
    for (const call of [
      () => c.policies.save({ tenantId: "acme", note: "a test change", document: DEMO_POLICY }),
      () => c.tenants.createApiKey({ tenantId: "acme", key: { role: "client", name: "mine" } }),
      () => c.tenants.setMember({ tenantId: "acme", member: { email: users.operator.email, role: "admin" } }),
    ])
      expect((await expectCode(call(), "FORBIDDEN")).message).toContain("you are operator in acme");
    expect(
      (await expectCode(c.killSwitches.setGlobal({ engaged: true, reason: "x" }), "FORBIDDEN")).message,
    ).toBe("only a platform admin may do this");
    expect(await tenantState(db, "acme")).toEqual(before);
  });
});

describe("tenant isolation", () => {
  /** Every tenant procedure pointed at `tenantId`. */
  const tenantCalls = (c: Caller, tenantId: string, decisionId: string, approvalId: string) =>
    [
      ["decisions.list", () => c.decisions.list({ tenantId, filter: {} })],
      ["decisions.get", () => c.decisions.get({ tenantId, decisionId })],
      ["decisions.evidence", () => c.decisions.evidence({ tenantId, decisionId })],
      ["decisions.replay", () => c.decisions.replay({ tenantId, decisionId })],
      ["approvals.pending", () => c.approvals.pending({ tenantId })],
      ["approvals.vote", () => c.approvals.vote({ tenantId, approvalId, vote: "approve" })],
      ["killSwitches.list", () => c.killSwitches.list({ tenantId })],
      ["killSwitches.setTenant", () => c.killSwitches.setTenant({ tenantId, engaged: true, reason: "x" })],
      ["policies.versions", () => c.policies.versions({ tenantId })],
      ["policies.replay", () => c.policies.replay({ tenantId, request: { version: 1 } })],
      ["policies.save", () => c.policies.save({ tenantId, note: "a test change", document: DEMO_POLICY })],
      ["chain.verify", () => c.chain.verify({ tenantId })],
      ["tenants.get", () => c.tenants.get({ tenantId })],
      ["tenants.members", () => c.tenants.members({ tenantId })],
    ] as const;

  it("an operator of acme gets NOT_FOUND for every globex procedure — worded as for a tenant that does not exist", async () => {
    const before = await tenantState(db, "globex");
    const c = as(users.operator);
    for (const [name, call] of tenantCalls(c, "globex", ids.globexDecision, ids.globexApproval)) {
      const error = await expectCode(call(), "NOT_FOUND");
      expect(error.message, name).toBe("tenant globex not found");
    }
    for (const [name, call] of tenantCalls(c, "no-such-tenant", ids.globexDecision, ids.globexApproval)) {
      const error = await expectCode(call(), "NOT_FOUND");
      expect(error.message, name).toBe("tenant no-such-tenant not found");
    }
    expect(await tenantState(db, "globex")).toEqual(before);
  });

  it("globex ids under acme's tenantId are not found either, and nothing is written", async () => {
    const before = await tenantState(db, "globex");
    const c = as(users.operator);
    for (const call of [
      () => c.decisions.get({ tenantId: "acme", decisionId: ids.globexDecision }),
      () => c.decisions.evidence({ tenantId: "acme", decisionId: ids.globexDecision }),
      () => c.decisions.replay({ tenantId: "acme", decisionId: ids.globexDecision }),
      () => c.approvals.vote({ tenantId: "acme", approvalId: ids.globexApproval, vote: "approve" }),
      () =>
        c.approvals.vote({
          tenantId: "acme",
          approvalId: ids.globexApproval,
          vote: "deny",
          reason: "sabotage",
        }),
    ]) {
      const error = await expectCode(call(), "NOT_FOUND");
      expect(error.message).not.toContain("globex");
    }
    const list = await c.decisions.list({ tenantId: "acme", filter: { limit: 200 } });
    expect(list.rows.map((r) => r.id)).not.toContain(ids.globexDecision);
    const pending = (await c.approvals.pending({ tenantId: "acme" })).approvals;
    expect(pending.map((p) => p.id)).not.toContain(ids.globexApproval);
    expect(await tenantState(db, "globex")).toEqual(before);
  });

  it("API keys: a key of acme sees globex as not found; a client key may not use the dashboard", async () => {
    const operatorKey = callerAs(db, { bearer: acme.keys.operator.principal });
    await expectCode(operatorKey.decisions.list({ tenantId: "globex", filter: {} }), "NOT_FOUND");
    expect((await operatorKey.decisions.list({ tenantId: "acme", filter: {} })).rows.length).toBeGreaterThan(
      0,
    );
    const client = callerAs(db, { bearer: acme.keys.client.principal });
    expect(
      (await expectCode(client.decisions.list({ tenantId: "acme", filter: {} }), "FORBIDDEN")).message,
    ).toBe("client keys submit intents; they do not use the dashboard");
    await expectCode(
      callerAs(db, { bearer: globex.keys.admin.principal }).approvals.pending({ tenantId: "acme" }),
      "NOT_FOUND",
    );
  });
});

describe("hostile input", () => {
  const huge = "x".repeat(1_000_000);

  it("huge strings, wrong types and unknown fields are BAD_REQUEST and change nothing", async () => {
    const c = as(users.admin);
    const before = await tenantState(db, "acme");
    // Inputs a browser could send that TypeScript would not let us write: typed as the procedure's input via unknown.
    const bad: [string, () => Promise<unknown>][] = [
      ["tenantId huge", () => c.decisions.list({ tenantId: huge, filter: {} })],
      ["tenantId number", () => c.decisions.list({ tenantId: 42 as unknown as string, filter: {} })],
      ["tenantId empty", () => c.decisions.list({ tenantId: "", filter: {} })],
      ["no input", () => c.approvals.pending(undefined as unknown as { tenantId: string })],
      ["filter string", () => c.decisions.list({ tenantId: "acme", filter: "all" as unknown as object })],
      ["filter extra key", () => c.decisions.list({ tenantId: "acme", filter: { where: "1=1" } as object })],
      ["limit huge", () => c.decisions.list({ tenantId: "acme", filter: { limit: 1_000_000 } })],
      ["limit fraction", () => c.decisions.list({ tenantId: "acme", filter: { limit: 2.5 } })],
      [
        "verdict unknown",
        () => c.decisions.list({ tenantId: "acme", filter: { verdict: "MAYBE" as "ALLOW" } }),
      ],
      ["actor huge", () => c.decisions.list({ tenantId: "acme", filter: { actor: huge } })],
      ["from not a time", () => c.decisions.list({ tenantId: "acme", filter: { from: "yesterday" } })],
      [
        "cursor injection",
        () =>
          c.decisions.list({
            tenantId: "acme",
            filter: { cursor: { createdAt: "2026-01-01T00:00:00Z", id: { gt: "" } as unknown as string } },
          }),
      ],
      ["decisionId huge", () => c.decisions.get({ tenantId: "acme", decisionId: huge })],
      ["decisionId null", () => c.decisions.get({ tenantId: "acme", decisionId: null as unknown as string })],
      [
        "vote unknown",
        () => c.approvals.vote({ tenantId: "acme", approvalId: ids.acmeApproval, vote: "yes" as "approve" }),
      ],
      [
        "vote reason huge",
        () =>
          c.approvals.vote({ tenantId: "acme", approvalId: ids.acmeApproval, vote: "deny", reason: huge }),
      ],
      [
        "vote approvalId object",
        () =>
          c.approvals.vote({
            tenantId: "acme",
            approvalId: { not: "" } as unknown as string,
            vote: "approve",
          }),
      ],
      [
        "deny without reason",
        () => c.approvals.vote({ tenantId: "acme", approvalId: ids.acmeApproval, vote: "deny" }),
      ],
      [
        "engaged string",
        () =>
          c.killSwitches.setTenant({ tenantId: "acme", engaged: "true" as unknown as boolean, reason: "x" }),
      ],
      ["reason empty", () => c.killSwitches.setTenant({ tenantId: "acme", engaged: true, reason: "   " })],
      ["reason huge", () => c.killSwitches.setTenant({ tenantId: "acme", engaged: true, reason: huge })],
      [
        // A misspelt "action" must not silently become a whole-tenant switch.
        "setTenant misspelt field",
        () =>
          c.killSwitches.setTenant({ tenantId: "acme", engaged: true, reason: "x", actions: "host.*" } as {
            tenantId: string;
            engaged: boolean;
            reason: string;
          }),
      ],
      [
        "list top-level extra key",
        () =>
          c.decisions.list({ tenantId: "acme", filter: {}, extra: 1 } as {
            tenantId: string;
            filter: object;
          }),
      ],
      [
        "reason control chars",
        () => c.killSwitches.setTenant({ tenantId: "acme", engaged: true, reason: "a\u0000b" }),
      ],
      [
        "action glob invalid",
        () => c.killSwitches.setTenant({ tenantId: "acme", engaged: true, reason: "x", action: "host.**\n" }),
      ],
      [
        "policy not an object",
        () => c.policies.save({ tenantId: "acme", note: "a test change", document: "allow everything" }),
      ],
      [
        "policy unknown field",
        () =>
          c.policies.save({
            tenantId: "acme",
            note: "a test change",
            document: { ...DEMO_POLICY, admin: true },
          }),
      ],
      [
        "policy __proto__",
        () =>
          c.policies.save({
            tenantId: "acme",
            document: JSON.parse('{"rules": [], "__proto__": {"admin": true}}'),
          }),
      ],
      [
        "policy 5,000 rules",
        () =>
          c.policies.save({
            tenantId: "acme",
            document: { rules: Array.from({ length: 5_000 }, (_, i) => ({ id: `r${i}`, effect: "allow" })) },
          }),
      ],
      [
        "policy rule id huge",
        () =>
          c.policies.save({
            tenantId: "acme",
            note: "a test change",
            document: { rules: [{ id: huge, effect: "allow" }] },
          }),
      ],
      ["activate version 0", () => c.policies.activate({ tenantId: "acme", version: 0 })],
      [
        "activate version string",
        () => c.policies.activate({ tenantId: "acme", version: "1" as unknown as number }),
      ],
      [
        "replay both",
        () => c.policies.replay({ tenantId: "acme", request: { version: 1, policy: DEMO_POLICY } }),
      ],
      [
        "replay unknown field",
        () => c.policies.replay({ tenantId: "acme", request: { version: 1, sql: "drop" } }),
      ],
      [
        "replay limit huge",
        () => c.policies.replay({ tenantId: "acme", request: { version: 1, limit: 1e9 } }),
      ],
      [
        "key role unknown",
        () => c.tenants.createApiKey({ tenantId: "acme", key: { role: "root", name: "x" } }),
      ],
      [
        "key extra field",
        () =>
          c.tenants.createApiKey({
            tenantId: "acme",
            key: { role: "client", name: "x", tenantId: "globex" },
          }),
      ],
      [
        "key name huge",
        () => c.tenants.createApiKey({ tenantId: "acme", key: { role: "client", name: huge } }),
      ],
      ["tenant name number", () => c.tenants.update({ tenantId: "acme", changes: { name: 42 } })],
      [
        "tenant limits negative",
        () => c.tenants.update({ tenantId: "acme", changes: { limits: { burst: -1 } } }),
      ],
      [
        "member role unknown",
        () => c.tenants.setMember({ tenantId: "acme", member: { email: users.nobody.email, role: "owner" } }),
      ],
      [
        "member email huge",
        () => c.tenants.setMember({ tenantId: "acme", member: { email: huge, role: "auditor" } }),
      ],
    ];
    for (const [name, call] of bad) {
      const error = await expectCode(call(), "BAD_REQUEST").catch((failure: unknown) => {
        throw new Error(`${name}: ${failure instanceof Error ? failure.message : String(failure)}`);
      });
      expect(error.message.length, name).toBeLessThan(100_000);
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(await tenantState(db, "acme")).toEqual(before);
  });

  it("a refused service body names the offending fields", async () => {
    const c = as(users.admin);
    const error = await expectCode(
      c.policies.save({
        tenantId: "acme",
        note: "a test change",
        document: { rules: [{ id: "r", effect: "maybe", extra: 1 }] },
      }),
      "BAD_REQUEST",
    );
    expect(error.message).toBe("policy document is invalid");
    expect(fieldsOf(error).map((f) => f.path)).toEqual(
      expect.arrayContaining(["rules[0].effect", "rules[0].extra"]),
    );
    const key = await expectCode(
      c.tenants.createApiKey({ tenantId: "acme", key: { role: "client", name: "x", tenantId: "globex" } }),
      "BAD_REQUEST",
    );
    expect(fieldsOf(key)).toEqual([{ path: "tenantId", message: "is not a known field" }]);
  });

  it("adding a member to a tenant that does not exist is NOT_FOUND (admin token), not a server error", async () => {
    const admin = callerAs(db, { bearer: PLATFORM_ADMIN });
    const error = await expectCode(
      admin.tenants.setMember({ tenantId: "nope", member: { email: users.auditor.email, role: "auditor" } }),
      "NOT_FOUND",
    );
    expect(error.message).toContain("tenant nope");
  });

  it("createUser with the same tenant twice is a field error and writes nothing", async () => {
    const before = await db.user.count();
    await expect(
      createUser(db, {
        email: "twice@example.com",
        name: "Twice",
        password: "a long enough password",
        memberships: [
          { tenantId: "acme", role: "auditor" },
          { tenantId: "acme", role: "operator" },
        ],
      }),
    ).rejects.toMatchObject({
      code: "INVALID",
      details: { fields: [{ path: "memberships", message: "names a tenant more than once" }] },
    });
    expect(await db.user.count()).toBe(before);
  });
});

describe("decisions.list and approval expiry", () => {
  it("an approval past its expiry is listed as EXPIRED, as decisions.get reports it", async () => {
    const c = as(users.auditor);
    await db.approval.update({
      where: { id: ids.acmeApproval },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const listed = await c.decisions.list({ tenantId: "acme", filter: {} });
    const row = listed.rows.find((r) => r.id === ids.acmeDecision);
    const detail = await c.decisions.get({ tenantId: "acme", decisionId: ids.acmeDecision });
    expect(row?.approvalStatus).toBe("EXPIRED");
    expect(detail.approval?.status).toBe("EXPIRED");
  });
});

describe("memberships", () => {
  it("a tenant keeps an admin: the last one cannot be demoted or removed; platform admins stay admin everywhere", async () => {
    const t = `solo${Date.now().toString(36)}`;
    await createTenant(db, PLATFORM_ADMIN, { id: t, name: "Solo" });
    const only = await makeUser(db, "only-admin", { [t]: "admin" });
    const root = await makeUser(db, "root-member", { [t]: "auditor" }, true);
    const c = as(only);
    const demote = await expectCode(
      c.tenants.setMember({ tenantId: t, member: { email: only.email, role: "operator" } }),
      "CONFLICT",
    );
    expect(demote.message).toContain("last admin");
    await expectCode(c.tenants.removeMember({ tenantId: t, userId: only.id }), "CONFLICT");
    expect(
      await db.membership.findUniqueOrThrow({ where: { userId_tenantId: { userId: only.id, tenantId: t } } }),
    ).toMatchObject({ role: "admin" });
    // The platform admin's auditor membership does not demote them: they can still manage the tenant.
    expect((await as(root).tenants.members({ tenantId: t })).map((m) => m.email)).toContain(only.email);
    // With a second admin, the first may step down.
    await c.tenants.setMember({ tenantId: t, member: { email: root.email, role: "admin" } });
    await c.tenants.setMember({ tenantId: t, member: { email: only.email, role: "operator" } });
    expect(await db.membership.count({ where: { tenantId: t, role: "admin" } })).toBe(1);
  });
});
