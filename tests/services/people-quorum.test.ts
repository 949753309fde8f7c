import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyBundle } from "../../server/core";
import { nodeCrypto } from "../../server/crypto/node";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN, type Principal } from "../../server/services/access/principal";
import { voteOnApproval } from "../../server/services/approvals/vote";
import { exportEvidence } from "../../server/services/decisions/read";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import { createApiKey } from "../../server/services/keys/api-keys";
import type { ServiceError } from "../../server/services/shared/errors";
import { createPerson, setMembership } from "../../server/services/users/users";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";

// Four eyes are four eyes: a quorum counts distinct people. Reproduces the sock-puppet attack — a
// tenant admin key minting operator keys and voting with each — and every way around the rule.
let db: Db;
let tenant: TenantFixture;

const hard = () => intentBody({ action: "host.quarantine", actionClass: "A2_hard" });
const outcome = async (work: Promise<unknown>) =>
  work.then(
    (value) => value as Record<string, unknown>,
    (e: ServiceError) => [e.status, e.details.reason ?? e.code] as const,
  );
const keyPrincipal = (
  created: { id: string; role: string; name: string },
  person: { id: string; email: string } | null,
) =>
  ({
    kind: "api-key",
    id: created.id,
    tenantId: tenant.id,
    role: created.role,
    name: created.name,
    person,
    creatorUserId: null,
  }) as Principal;

async function personIn(email: string, role: "admin" | "operator" | "auditor") {
  const user = await createPerson(db, PLATFORM_ADMIN, { email, name: email.split("@")[0] });
  await setMembership(db, PLATFORM_ADMIN, tenant.id, { email, role });
  return user;
}

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  tenant = await seedTenant(db, "people");
});

afterAll(async () => {
  await db?.$disconnect();
});

describe("a quorum counts distinct people", () => {
  it("sock puppets: operator keys a tenant admin mints without a person cannot vote (403 VOTER_NOT_A_PERSON)", async () => {
    const admin = tenant.keys.admin.principal;
    const { result } = await submitIntent(db, tenant.keys.client.principal, hard());
    for (const name of ["sock1", "sock2"]) {
      const sock = await createApiKey(db, admin, tenant.id, { role: "operator", name });
      expect(
        await outcome(voteOnApproval(db, keyPrincipal(sock, null), result.approvalId!, { vote: "approve" })),
      ).toEqual([403, "VOTER_NOT_A_PERSON"]);
    }
    expect((await db.approval.findUniqueOrThrow({ where: { id: result.approvalId! } })).status).toBe(
      "PENDING",
    );
    expect(await db.approvalVote.count({ where: { approvalId: result.approvalId! } })).toBe(0);
  });

  it("a tenant admin cannot create a key for someone else (403); a platform admin can", async () => {
    const carol = await personIn("carol@people.test", "operator");
    const before = await db.apiKey.count();
    expect(
      await outcome(
        createApiKey(db, tenant.keys.admin.principal, tenant.id, {
          role: "operator",
          name: "carol's",
          forUser: carol.email,
        }),
      ),
    ).toEqual([403, "FOR_USER_NOT_ALLOWED"]);
    expect(await db.apiKey.count()).toBe(before);
    const made = await createApiKey(db, PLATFORM_ADMIN, tenant.id, {
      role: "operator",
      name: "carol's",
      forUser: "Carol@People.test",
    });
    expect(made).toMatchObject({ role: "operator", forUser: "carol@people.test" });
  });

  it("one person, one vote, whichever key they use (409 ALREADY_VOTED)", async () => {
    const alice = tenant.keys.operator.principal as Extract<Principal, { kind: "api-key" }>;
    const second = await createApiKey(db, PLATFORM_ADMIN, tenant.id, {
      role: "operator",
      name: "alice again",
      forUser: alice.person!.email,
    });
    const { result } = await submitIntent(db, tenant.keys.client.principal, hard());
    await voteOnApproval(db, alice, result.approvalId!, { vote: "approve" });
    expect(
      await outcome(
        voteOnApproval(db, keyPrincipal(second, alice.person!), result.approvalId!, { vote: "approve" }),
      ),
    ).toEqual([409, "ALREADY_VOTED"]);
    expect((await db.approval.findUniqueOrThrow({ where: { id: result.approvalId! } })).status).toBe(
      "PENDING",
    );
  });

  it("nobody accountable for the submission votes on it (409 SELF_APPROVAL)", async () => {
    const dave = await personIn("dave@people.test", "operator");
    const daveVotes = keyPrincipal(
      await createApiKey(db, PLATFORM_ADMIN, tenant.id, {
        role: "operator",
        name: "dave",
        forUser: dave.email,
      }),
      dave,
    );
    // A client key acting for dave submits: dave is accountable.
    const daveSubmits = keyPrincipal(
      await createApiKey(db, PLATFORM_ADMIN, tenant.id, {
        role: "client",
        name: "dave's client",
        forUser: dave.email,
      }),
      dave,
    );
    const { result } = await submitIntent(db, daveSubmits, hard());
    expect(await outcome(voteOnApproval(db, daveVotes, result.approvalId!, { vote: "approve" }))).toEqual([
      409,
      "SELF_APPROVAL",
    ]);
    // So is the signed-in user who created the submitting key.
    const erin = await personIn("erin@people.test", "admin");
    const erinSession: Principal = {
      kind: "user",
      id: erin.id,
      tenantId: tenant.id,
      role: "admin",
      name: erin.email,
    };
    const erinsKey = await createApiKey(db, erinSession, tenant.id, { role: "client", name: "erin's bot" });
    const bySession = await submitIntent(
      db,
      { ...keyPrincipal(erinsKey, null), creatorUserId: erin.id } as Principal,
      hard(),
    );
    expect(
      await outcome(voteOnApproval(db, erinSession, bySession.result.approvalId!, { vote: "approve" })),
    ).toEqual([409, "SELF_APPROVAL"]);
  });

  it("the role counts as held at the moment of the vote", async () => {
    const frank = await personIn("frank@people.test", "operator");
    const key = keyPrincipal(
      await createApiKey(db, PLATFORM_ADMIN, tenant.id, {
        role: "operator",
        name: "frank",
        forUser: frank.email,
      }),
      frank,
    );
    await setMembership(db, PLATFORM_ADMIN, tenant.id, { email: frank.email, role: "auditor" });
    const { result } = await submitIntent(db, tenant.keys.client.principal, hard());
    expect(await outcome(voteOnApproval(db, key, result.approvalId!, { vote: "approve" }))).toEqual([
      403,
      "ROLE_NOT_ALLOWED",
    ]);
  });

  it("two people approve; the bundle names each person and the key used, and verifies — a duplicated person does not", async () => {
    const { result } = await submitIntent(db, tenant.keys.client.principal, hard());
    await voteOnApproval(db, tenant.keys.operator.principal, result.approvalId!, { vote: "approve" });
    const done = await voteOnApproval(db, tenant.keys.operator2.principal, result.approvalId!, {
      vote: "approve",
    });
    expect(done).toMatchObject({ status: "APPROVED", executionStatus: "QUEUED" });
    const bundle = await exportEvidence(db, tenant.keys.auditor.principal, result.decisionId);
    expect(bundle.approval?.votes.map((v) => [v.person?.email, v.principal.type])).toEqual([
      ["alice@people.test", "apiKey"],
      ["bob@people.test", "apiKey"],
    ]);
    expect(verifyBundle(JSON.parse(JSON.stringify(bundle)), { crypto: nodeCrypto }).mismatches).toEqual([]);
    // The same person twice under two keys: the replay refuses the second vote.
    const forged = JSON.parse(JSON.stringify(bundle));
    forged.approval.votes[1].person = forged.approval.votes[0].person;
    const report = verifyBundle(forged, { crypto: nodeCrypto });
    expect(report.mismatches.map((m) => m.path)).toContain("approval.votes[1]");
  });
});

describe("hostile input to key creation", () => {
  it("forUser that is not an email, not a member, or a role above the member's: 400 naming the field, nothing written", async () => {
    const before = await db.apiKey.count();
    const cases: [Record<string, unknown>, string][] = [
      [{ role: "operator", name: "x", forUser: "not an email" }, "forUser"],
      [{ role: "operator", name: "x", forUser: "nobody@people.test" }, "forUser"],
      [{ role: "operator", name: "x", forUser: 42 }, "forUser"],
      [{ role: "admin", name: "x", forUser: "alice@people.test" }, "role"],
    ];
    for (const [body, field] of cases) {
      const error = (await createApiKey(db, PLATFORM_ADMIN, tenant.id, body).catch((e) => e)) as ServiceError;
      expect([error.status, error.details.fields?.[0]?.path]).toEqual([400, field]);
    }
    expect(await db.apiKey.count()).toBe(before);
  });

  it("POST users: only the platform admin; a taken email is 409; bad bodies are 400", async () => {
    expect(
      await outcome(createPerson(db, tenant.keys.admin.principal, { email: "x@people.test", name: "X" })),
    ).toEqual([403, "FORBIDDEN"]);
    expect(
      await outcome(createPerson(db, PLATFORM_ADMIN, { email: "alice@people.test", name: "Alice" })),
    ).toEqual([409, "CONFLICT"]);
    for (const body of [
      { email: "x" },
      { email: "y@people.test", name: "Y", password: "sneaky-extra-field" },
      null,
    ]) {
      const error = (await createPerson(db, PLATFORM_ADMIN, body).catch((e) => e)) as ServiceError;
      expect(error.status).toBe(400);
    }
  });
});
