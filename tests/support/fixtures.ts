import type { Db } from "../../server/db/client";
import {
  type KeyRole,
  type MemberRole,
  PLATFORM_ADMIN,
  type Principal,
} from "../../server/services/access/principal";
import { createApiKey } from "../../server/services/keys/api-keys";
import { applyPolicy } from "../../server/services/policies/versions";
import { createTenant } from "../../server/services/tenants/tenants";
import { createUser } from "../../server/services/users/users";

export const DEMO_POLICY = {
  rules: [
    { id: "allow-soft", match: { actionClasses: ["A0_observe", "A1_soft"] }, effect: "allow" },
    {
      id: "approve-hard",
      match: { actionClasses: ["A2_hard"] },
      effect: "require_approval",
      approval: { quorum: 2, roles: ["operator", "admin"] },
    },
    { id: "deny-irreversible", match: { actionClasses: ["A3_irreversible"] }, effect: "deny" },
  ],
};

export interface TenantFixture {
  id: string;
  keys: Record<
    "client" | "operator" | "operator2" | "auditor" | "admin",
    { principal: Principal; key: string }
  >;
}

/**
 * A tenant with the demo policy and one key per role. The operator, second operator and admin keys
 * act for people (members of the tenant), so their votes count — one person each.
 */
export async function seedTenant(
  db: Db,
  id: string,
  limits?: Record<string, number>,
): Promise<TenantFixture> {
  await createTenant(db, PLATFORM_ADMIN, { id, name: `Tenant ${id}`, ...(limits ? { limits } : {}) });
  await applyPolicy(db, PLATFORM_ADMIN, id, DEMO_POLICY);
  const make = async (role: KeyRole, name: string, personRole?: MemberRole) => {
    let person: { id: string; email: string } | null = null;
    if (personRole) {
      const email = `${name}@${id}.test`;
      const user = await createUser(db, {
        email,
        name,
        password: "fixture-password-unused",
        memberships: [{ tenantId: id, role: personRole }],
      });
      person = { id: user.id, email };
    }
    const created = await createApiKey(db, PLATFORM_ADMIN, id, {
      role,
      name,
      ...(person ? { forUser: person.email } : {}),
    });
    return {
      key: created.key,
      principal: {
        kind: "api-key",
        id: created.id,
        tenantId: id,
        role,
        name,
        person,
        creatorUserId: null,
      } as Principal,
    };
  };
  return {
    id,
    keys: {
      client: await make("client", "soar"),
      operator: await make("operator", "alice", "operator"),
      operator2: await make("operator", "bob", "operator"),
      auditor: await make("auditor", "audit"),
      admin: await make("admin", "root", "admin"),
    },
  };
}

let counter = 0;
export function intentBody(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    actor: { type: "agent", id: "soar-1" },
    action: "host.isolate",
    actionClass: "A1_soft",
    target: "web-7",
    parameters: { reason: "beaconing" },
    idempotencyKey: `key-${process.pid}-${counter}-${Math.random().toString(36).slice(2)}`,
    ...overrides,
  };
}
