import { chmodSync, writeFileSync } from "node:fs";
import type { Db } from "../db/client";
import { PLATFORM_ADMIN } from "../services/access/principal";
import { createApiKey } from "../services/keys/api-keys";
import { applyPolicy } from "../services/policies/versions";
import { createTenant } from "../services/tenants/tenants";
import { createUser, generatePassword } from "../services/users/users";

const DEMO_TENANT = "demo";

/** A tenant policy that exercises every verdict: allow, two-operator approval, deny. */
export const DEMO_POLICY = {
  rules: [
    {
      id: "A1-allow",
      description: "soft actions run at once",
      match: { actionClasses: ["A1_soft"] },
      effect: "allow",
    },
    {
      id: "A2-two-operators",
      description: "hard containment needs two operators",
      match: { actionClasses: ["A2_hard"] },
      effect: "require_approval",
      approval: { quorum: 2, roles: ["operator"] },
    },
    {
      id: "A3-deny",
      description: "irreversible actions never run",
      match: { actionClasses: ["A3_irreversible"] },
      effect: "deny",
    },
  ],
};

const DEMO_USERS = [
  { email: "admin@demo.exoarmur.local", name: "Demo Admin", role: "admin", platformAdmin: true },
  { email: "operator1@demo.exoarmur.local", name: "Olga Operator", role: "operator", platformAdmin: false },
  { email: "operator2@demo.exoarmur.local", name: "Omar Operator", role: "operator", platformAdmin: false },
  { email: "auditor@demo.exoarmur.local", name: "Ada Auditor", role: "auditor", platformAdmin: false },
] as const;

/**
 * First start in embedded mode: when no dashboard user exists yet, create the demo tenant, its
 * policy, a client API key and one user per role, and write the credentials to `credentialsFile`
 * (mode 0600) — not to stdout, where logs are collected and kept; the log gets only the file's
 * path. Only password hashes and the key's hash are stored in the database.
 */
export async function seedDemoWorkspace(
  db: Db,
  log: (line: string) => void,
  credentialsFile: string,
): Promise<boolean> {
  if ((await db.user.count()) > 0) return false;
  if (!(await db.tenant.findUnique({ where: { id: DEMO_TENANT } }))) {
    await createTenant(db, PLATFORM_ADMIN, { id: DEMO_TENANT, name: "Demo tenant" });
    await applyPolicy(db, PLATFORM_ADMIN, DEMO_TENANT, DEMO_POLICY);
  }
  const key = await createApiKey(db, PLATFORM_ADMIN, DEMO_TENANT, { role: "client", name: "demo client" });
  const lines: string[] = [];
  for (const user of DEMO_USERS) {
    const password = generatePassword();
    await createUser(db, {
      email: user.email,
      name: user.name,
      password,
      platformAdmin: user.platformAdmin,
      memberships: [{ tenantId: DEMO_TENANT, role: user.role }],
    });
    const what = `${user.role}${user.platformAdmin ? " + platform admin" : ""}`;
    lines.push(`  ${user.email.padEnd(32)} ${what.padEnd(24)} password: ${password}`);
  }
  lines.push(`  client API key for tenant ${DEMO_TENANT}: ${key.key}`);
  writeSecretFile(
    credentialsFile,
    [
      "# ExoArmur demo credentials, written once by the first start (only hashes are stored).",
      "# Sign in at the dashboard with one of these; delete this file once you have kept what you need.",
      ...lines,
      "",
    ].join("\n"),
  );
  log(
    `first start: created the demo tenant, its dashboard users and a client API key; credentials in ${credentialsFile}`,
  );
  return true;
}

/** Written owner-only, whatever the umask, and made owner-only if it existed already. */
function writeSecretFile(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}
