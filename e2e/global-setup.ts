import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../tests/support/server";
import type { E2EState } from "./state";

/**
 * One real server for the browser tests: `npm start` on a fresh data dir, so the embedded first
 * start creates the demo tenant and writes its users' passwords to <data dir>/demo-credentials —
 * which this setup reads, as an operator would. A second tenant with its own operator is made through the REST API and the CLI.
 */
export default async function globalSetup() {
  execFileSync("sh", ["scripts/build-if-stale.sh"], { stdio: "inherit" });
  const root = mkdtempSync(join(tmpdir(), "exoarmur-e2e-"));
  chmodSync(root, 0o711);
  const dataDir = join(root, "data");
  const server = await startServer({
    EXOARMUR_DATA_DIR: dataDir,
    EXOARMUR_SIGNIN_PER_MINUTE: "1000",
    EXOARMUR_SIGNIN_PER_IP_PER_MINUTE: "1000",
    DATABASE_URL: "",
  });
  // The first start writes the demo credentials to a 0600 file in the data dir and prints its path.
  const credentialsFile = join(dataDir, "demo-credentials");
  const credentials = readFileSync(credentialsFile, "utf8");
  const passwords: Record<string, string> = {};
  for (const match of credentials.matchAll(/ {2}(\S+@demo\.exoarmur\.local)\s.*password: (\S+)/g))
    passwords[match[1]!] = match[2]!;
  const clientKey = /client API key for tenant demo: (\S+)/.exec(credentials)?.[1];
  if (Object.keys(passwords).length !== 4 || !clientKey)
    throw new Error(
      `the first start did not write the demo credentials to ${credentialsFile}:\n${server.output()}`,
    );

  // Tenant "other", its client key, and an operator who belongs only to it (created with the CLI).
  const admin = { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" };
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  await post("/api/v1/tenants", { id: "other", name: "Other tenant" });
  await post("/api/v1/tenants/other/policies", {
    rules: [{ id: "allow-all-soft", match: { actionClasses: ["A1_soft"] }, effect: "allow" }],
  });
  const otherKey = (await post("/api/v1/tenants/other/api-keys", { role: "client", name: "other client" }))
    .key as string;
  const otherOperator = { email: "olivia@other.example", password: "other-operator-password-1" };
  execFileSync(
    "node",
    [
      "bin/exoarmur.mjs",
      "user",
      "create",
      "--email",
      otherOperator.email,
      "--name",
      "Olivia Other",
      "--password",
      otherOperator.password,
      "--member",
      "other:operator",
    ],
    { env: { ...process.env, EXOARMUR_DATA_DIR: dataDir, DATABASE_URL: "" }, stdio: "inherit" },
  );

  const state: E2EState = {
    baseUrl: server.baseUrl,
    dataDir,
    adminToken: server.adminToken,
    pid: server.child.pid!,
    passwords,
    clientKey,
    otherKey,
    otherOperator,
  };
  const file = join(root, "state.json");
  writeFileSync(file, JSON.stringify(state));
  process.env.EXOARMUR_E2E_STATE = file;
  // Playwright runs the teardown in this process; keep the handle for it.
  (globalThis as { __e2eServer?: typeof server }).__e2eServer = server;
}
