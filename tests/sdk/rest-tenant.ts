import { expect } from "vitest";
import { call, type TestServer } from "../support/server";

// A tenant set up over REST the way an operator would (the platform admin token): its policy, a
// client key, and people (operators who vote through keys that act for them).

/** One admin request that must answer `status`; its JSON. */
export async function asAdmin(
  server: TestServer,
  method: string,
  path: string,
  body: unknown,
  status: number,
) {
  const res = await call(server, method, path, { token: server.adminToken, body });
  expect(res.status, res.text).toBe(status);
  return res.json;
}

/** Keys by name: `client` (role client) and one per person (role operator, acting for them). */
export async function tenantOverRest(
  server: TestServer,
  tenant: string,
  policy: unknown,
  options: { people?: string[]; limits?: Record<string, number> } = {},
): Promise<Record<string, string>> {
  await asAdmin(server, "POST", "/api/v1/tenants", { id: tenant, name: tenant }, 201);
  await asAdmin(server, "POST", `/api/v1/tenants/${tenant}/policies`, policy, 201);
  if (options.limits)
    await asAdmin(server, "PATCH", `/api/v1/tenants/${tenant}`, { limits: options.limits }, 200);
  const keys: Record<string, string> = {};
  for (const name of options.people ?? []) {
    const email = `${name}@${tenant}.test`;
    await asAdmin(server, "POST", "/api/v1/users", { email, name }, 201);
    await asAdmin(server, "PUT", `/api/v1/tenants/${tenant}/members`, { email, role: "operator" }, 200);
    const created = await asAdmin(
      server,
      "POST",
      `/api/v1/tenants/${tenant}/api-keys`,
      { role: "operator", name, forUser: email },
      201,
    );
    keys[name] = created.key;
  }
  keys.client = (
    await asAdmin(server, "POST", `/api/v1/tenants/${tenant}/api-keys`, { role: "client", name: tenant }, 201)
  ).key;
  return keys;
}

/** A person's vote over REST (the key acts for them). */
export async function voteOverRest(
  server: TestServer,
  approvalId: string,
  key: string,
  choice: "approve" | "deny",
  reason?: string,
) {
  const res = await call(server, "POST", `/api/v1/approvals/${approvalId}/votes`, {
    token: key,
    body: { vote: choice, ...(reason ? { reason } : {}) },
  });
  expect(res.status, res.text).toBe(200);
}

/** Engages (or releases) a tenant's action switch as the platform admin. */
export function actionSwitch(server: TestServer, tenant: string, action: string, engaged: boolean) {
  return asAdmin(
    server,
    "PUT",
    "/api/v1/kill-switches",
    { scope: "action", tenantId: tenant, action, engaged, reason: engaged ? "stop it, tests" : "resume" },
    200,
  );
}
