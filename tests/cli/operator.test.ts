import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { hashKey } from "../../server/services/keys/api-keys";
import { createTestDatabase } from "../support/db";
import { DEMO_POLICY } from "../support/fixtures";

/**
 * The operator commands, run as an operator would: the real `exoarmur` bin in a child process,
 * against a fresh migrated database (DATABASE_URL), checking exit codes, output and the rows written.
 */
let url: string;
let db: Db;
let dir: string;

beforeAll(async () => {
  ({ url, db } = await createTestDatabase());
  dir = mkdtempSync(join(tmpdir(), "exoarmur-operator-"));
});
afterAll(async () => {
  await db.$disconnect();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bin; async (not spawnSync) so the test file's own database client keeps working meanwhile. */
function exoarmur(
  args: string[],
  env: Record<string, string | undefined> = { DATABASE_URL: url },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/exoarmur.mjs", ...args], {
      env: { ...process.env, EXOARMUR_DATA_DIR: dir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const cli = (...args: string[]) => exoarmur(args);

const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe("exoarmur tenant", () => {
  it("create: exit 0, prints the tenant and writes the row and its chain event", async () => {
    const run = await cli(
      "tenant",
      "create",
      "acme",
      "--name",
      "Acme Corp",
      "--rate",
      "50",
      "--burst",
      "100",
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('created tenant acme ("Acme Corp"), active');
    expect(run.stdout).toContain("limits: 50/s, burst 100, max pending 10000");
    expect(run.stderr).toBe("");
    const row = await db.tenant.findUniqueOrThrow({ where: { id: "acme" } });
    expect(row).toMatchObject({ name: "Acme Corp", status: "active", ratePerSecond: 50, burst: 100 });
    const events = await db.event.findMany({ where: { tenantId: "acme" } });
    expect(events.map((e) => e.type)).toEqual(["tenant.created"]);
  });

  it("create --json prints the tenant view", async () => {
    const run = await cli("tenant", "create", "globex", "--name", "Globex", "--max-pending", "5", "--json");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      id: "globex",
      name: "Globex",
      status: "active",
      limits: { ratePerSecond: 200, burst: 400, maxPending: 5 },
      activePolicyVersion: null,
    });
  });

  it("create of an existing tenant: exit 1, already exists", async () => {
    const run = await cli("tenant", "create", "acme", "--name", "Again");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: tenant acme already exists");
    expect(run.stdout).toBe("");
    expect((await db.tenant.findUniqueOrThrow({ where: { id: "acme" } })).name).toBe("Acme Corp");
  });

  it("create with an invalid id and limit: exit 1 and every field error", async () => {
    const run = await cli("tenant", "create", "Bad_Id", "--name", "Bad", "--burst", "0");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: request is invalid");
    expect(run.stderr).toMatch(/^ {2}id: must be a slug/m);
    expect(run.stderr).toMatch(/^ {2}limits\.burst: must be at least 1 \(--burst\)$/m);
    expect(await db.tenant.count({ where: { name: "Bad" } })).toBe(0);
  });

  it("--json refusal prints the error body with its fields", async () => {
    const run = await cli("tenant", "create", "Bad_Id", "--name", "Bad", "--json");
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        code: "INVALID",
        message: "request is invalid",
        fields: [{ path: "id", message: expect.stringContaining("must be a slug") }],
      },
    });
  });

  it.each([
    [["--rate", "abc"], "--rate"],
    [["--burst", "1.5"], "--burst"],
    [["--max-pending", ""], "--max-pending"],
  ])("a non-numeric option %j is a usage error (exit 2) naming the option", async (extra, option) => {
    const run = await cli("tenant", "create", "numbers", "--name", "N", ...extra);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`option '${option}`);
    expect(run.stderr).toContain("is invalid");
    expect(await db.tenant.count({ where: { id: "numbers" } })).toBe(0);
  });

  it("a missing required option is a usage error (exit 2)", async () => {
    const run = await cli("tenant", "create", "nameless");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '--name <name>' not specified");
  });

  it("suspend and activate: exit 0, status row and chain events; unknown tenant: exit 1", async () => {
    const suspend = await cli("tenant", "suspend", "globex");
    expect(suspend.code).toBe(0);
    expect(suspend.stdout).toContain("tenant globex suspended");
    expect((await db.tenant.findUniqueOrThrow({ where: { id: "globex" } })).status).toBe("suspended");

    const activate = await cli("tenant", "activate", "globex", "--json");
    expect(activate.code).toBe(0);
    expect(JSON.parse(activate.stdout)).toMatchObject({ id: "globex", status: "active" });
    expect((await db.tenant.findUniqueOrThrow({ where: { id: "globex" } })).status).toBe("active");
    const events = await db.event.findMany({ where: { tenantId: "globex" }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.type)).toEqual(["tenant.created", "tenant.suspended", "tenant.activated"]);

    const unknown = await cli("tenant", "suspend", "nope");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("error: tenant nope not found");
  });
});

describe("exoarmur keys create", () => {
  it("prints the key once, with the warning, and stores only its hash", async () => {
    const run = await cli("keys", "create", "--tenant", "acme", "--role", "admin", "--name", "root");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/created admin key key_\S+ \("root"\) for tenant acme/);
    const key = /^ {2}(exo_\S+)$/m.exec(run.stdout)?.[1];
    expect(key).toMatch(/^exo_/);
    expect(run.stderr).toContain("warning: the key is shown only now");
    const row = await db.apiKey.findUniqueOrThrow({ where: { keyHash: hashKey(key!) } });
    expect(row).toMatchObject({ tenantId: "acme", role: "admin", name: "root" });
  });

  it("--json has the key", async () => {
    const run = await cli(
      "keys",
      "create",
      "--tenant",
      "acme",
      "--role",
      "client",
      "--name",
      "soar",
      "--json",
    );
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout);
    expect(body).toMatchObject({ tenantId: "acme", role: "client", name: "soar" });
    expect(body.key).toMatch(/^exo_/);
    expect(await db.apiKey.count({ where: { keyHash: hashKey(body.key) } })).toBe(1);
  });

  it("--for-user makes a key that acts for a member (it can vote as them); a non-member is refused naming the flag", async () => {
    const { createPerson, setMembership } = await import("../../server/services/users/users");
    const { PLATFORM_ADMIN } = await import("../../server/services/access/principal");
    const person = await createPerson(db, PLATFORM_ADMIN, { email: "olga@acme.test", name: "Olga" });
    await setMembership(db, PLATFORM_ADMIN, "acme", { email: "olga@acme.test", role: "operator" });
    const run = await cli(
      "keys",
      "create",
      "--tenant",
      "acme",
      "--role",
      "operator",
      "--name",
      "olga",
      "--for-user",
      "olga@acme.test",
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /created operator key key_\S+ \("olga"\) for tenant acme, acting for olga@acme.test/,
    );
    const key = /^ {2}(exo_\S+)$/m.exec(run.stdout)?.[1];
    expect((await db.apiKey.findUniqueOrThrow({ where: { keyHash: hashKey(key!) } })).forUserId).toBe(
      person.id,
    );
    const stranger = await cli(
      "keys",
      "create",
      "--tenant",
      "acme",
      "--role",
      "operator",
      "--name",
      "x",
      "--for-user",
      "nobody@acme.test",
    );
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain("--for-user");
    expect(stranger.stderr).toContain("is not a member of tenant acme");
  });

  it("an unknown role is a usage error (exit 2); an unknown tenant is refused (exit 1)", async () => {
    const role = await cli("keys", "create", "--tenant", "acme", "--role", "boss", "--name", "x");
    expect(role.code).toBe(2);
    expect(role.stderr).toContain("Allowed choices are client, operator, auditor, admin");
    const tenant = await cli("keys", "create", "--tenant", "nope", "--role", "admin", "--name", "x");
    expect(tenant.code).toBe(1);
    expect(tenant.stderr).toContain("error: tenant nope not found");
  });
});

describe("exoarmur policy apply", () => {
  it("applies a valid file as version 1, then 2, and activates it", async () => {
    const path = file("policy.json", JSON.stringify(DEMO_POLICY));
    const first = await cli("policy", "apply", path, "--tenant", "acme");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`applied ${path} to tenant acme: version 1 (3 rules) is now active`);
    const second = await cli("policy", "apply", path, "--tenant", "acme", "--json");
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ tenantId: "acme", version: 2, active: true, rules: 3 });
    expect((await db.tenant.findUniqueOrThrow({ where: { id: "acme" } })).activePolicyVersion).toBe(2);
    expect(await db.policyVersion.count({ where: { tenantId: "acme" } })).toBe(2);
  });

  it("--note is recorded; a weaker change prints its warning; with four eyes on the version waits, and a blank note is refused", async () => {
    const weaker = {
      rules: DEMO_POLICY.rules.map((r) =>
        "approval" in r && r.approval ? { ...r, approval: { ...r.approval, quorum: 1 } } : r,
      ),
    };
    const path = file("weaker.json", JSON.stringify(weaker));
    const run = await cli("policy", "apply", path, "--tenant", "acme", "--note", "one approver at night");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("is now active");
    expect(run.stdout).toMatch(/warning: Rule "[^"]+" needs 1 approval instead of 2\./);
    expect(
      (await db.policyVersion.findFirstOrThrow({ where: { tenantId: "acme" }, orderBy: { version: "desc" } }))
        .note,
    ).toBe("one approver at night");
    await db.tenant.update({ where: { id: "acme" }, data: { policyFourEyes: true } });
    try {
      const proposed = await cli(
        "policy",
        "apply",
        file("back.json", JSON.stringify(DEMO_POLICY)),
        "--tenant",
        "acme",
      );
      expect(proposed.code).toBe(0);
      expect(proposed.stdout).toMatch(/as version 4 \(3 rules\); four eyes: another admin must activate it/);
      expect((await db.tenant.findUniqueOrThrow({ where: { id: "acme" } })).activePolicyVersion).toBe(3);
      const blank = await cli("policy", "apply", path, "--tenant", "acme", "--note", "  ");
      expect(blank.code).toBe(1);
      expect(blank.stderr).toMatch(/note: must not be empty/);
      expect(await db.policyVersion.count({ where: { tenantId: "acme" } })).toBe(4);
    } finally {
      await db.tenant.update({ where: { id: "acme" }, data: { policyFourEyes: false } });
    }
  });

  it("an invalid document: exit 1 naming rules[0].effect, nothing stored", async () => {
    const path = file("bad.json", JSON.stringify({ rules: [{ id: "r", match: {}, effect: "maybe" }] }));
    const run = await cli("policy", "apply", path, "--tenant", "acme");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: policy document is invalid");
    expect(run.stderr).toMatch(/^ {2}rules\[0\]\.effect: must be one of allow, deny, require_approval$/m);
    expect(await db.policyVersion.count({ where: { tenantId: "acme" } })).toBe(4);
  });

  it("a non-JSON file and a missing file are usage errors (exit 2)", async () => {
    const notJson = await cli("policy", "apply", file("policy.yaml", "rules: []\n"), "--tenant", "acme");
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/policy\.yaml is not JSON/);
    const missing = await cli("policy", "apply", join(dir, "missing.json"), "--tenant", "acme");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing.json: no such file");
    const json = await cli("policy", "apply", join(dir, "missing.json"), "--tenant", "acme", "--json");
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error.message).toContain("no such file");
  });
});

describe("exoarmur kill-switch", () => {
  const listed = async () => {
    const run = await cli("kill-switch", "list", "--json");
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout).killSwitches as { id: string; engaged: boolean; reason: string }[];
  };

  it("list is empty before any switch is set", async () => {
    const run = await cli("kill-switch", "list");
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe("no kill switches have been set");
  });

  it("engage, list, release, list: the row and the chain follow", async () => {
    const engage = await cli(
      "kill-switch",
      "engage",
      "--scope",
      "tenant",
      "--tenant",
      "acme",
      "--reason",
      "incident 42",
    );
    expect(engage.code).toBe(0);
    expect(engage.stdout.trim()).toBe("kill switch tenant:acme ENGAGED: incident 42");
    expect(await db.killSwitch.findUniqueOrThrow({ where: { id: "tenant:acme" } })).toMatchObject({
      engaged: true,
      reason: "incident 42",
      changedBy: "platform-admin",
    });
    expect(await listed()).toMatchObject([{ id: "tenant:acme", engaged: true }]);
    const table = await cli("kill-switch", "list");
    expect(table.stdout).toMatch(/^SWITCH\s+STATE\s+SINCE\s+BY\s+REASON$/m);
    expect(table.stdout).toMatch(/^tenant:acme\s+ENGAGED\s+\S+\s+platform-admin\s+incident 42$/m);
    expect(table.stdout).toContain("1 switch, 1 engaged");

    const release = await cli(
      "kill-switch",
      "release",
      "--scope",
      "tenant",
      "--tenant",
      "acme",
      "--reason",
      "resolved",
      "--json",
    );
    expect(release.code).toBe(0);
    expect(JSON.parse(release.stdout)).toMatchObject({
      id: "tenant:acme",
      engaged: false,
      reason: "resolved",
    });
    expect((await db.killSwitch.findUniqueOrThrow({ where: { id: "tenant:acme" } })).engaged).toBe(false);
    expect(await listed()).toMatchObject([{ id: "tenant:acme", engaged: false }]);
    const events = await db.event.findMany({ where: { tenantId: "acme", subjectId: "tenant:acme" } });
    expect(events.map((e) => e.type)).toEqual(["killswitch.engaged", "killswitch.released"]);
  });

  it("global and action switches; the global one is on the platform chain", async () => {
    const global = await cli("kill-switch", "engage", "--scope", "global", "--reason", "maintenance");
    expect(global.code).toBe(0);
    const action = await cli(
      "kill-switch",
      "engage",
      "--scope",
      "action",
      "--tenant",
      "acme",
      "--action",
      "host.*",
      "--reason",
      "paused",
    );
    expect(action.code).toBe(0);
    expect((await listed()).map((s) => [s.id, s.engaged])).toEqual([
      ["action:acme:host.*", true],
      ["global", true],
      ["tenant:acme", false],
    ]);
    expect(await db.event.count({ where: { tenantId: "_platform", type: "killswitch.engaged" } })).toBe(1);
    const released = await cli("kill-switch", "release", "--scope", "global", "--reason", "done");
    expect(released.code).toBe(0);
    expect((await db.killSwitch.findUniqueOrThrow({ where: { id: "global" } })).engaged).toBe(false);
  });

  it("refusals: a global switch with a tenant, a tenant switch without one (exit 1); a bad scope (exit 2)", async () => {
    const global = await cli(
      "kill-switch",
      "engage",
      "--scope",
      "global",
      "--tenant",
      "acme",
      "--reason",
      "x",
    );
    expect(global.code).toBe(1);
    expect(global.stderr).toContain("scope: a global switch takes neither tenantId nor action");
    const tenant = await cli("kill-switch", "engage", "--scope", "tenant", "--reason", "x");
    expect(tenant.code).toBe(1);
    expect(tenant.stderr).toContain("tenantId: is required for a tenant switch (--tenant)");
    const scope = await cli("kill-switch", "engage", "--scope", "planet", "--reason", "x");
    expect(scope.code).toBe(2);
    expect(scope.stderr).toContain("Allowed choices are global, tenant, action");
  });
});

describe("exoarmur chain verify", () => {
  it("exit 0 for an intact chain, exit 1 naming the seq of a tampered event", async () => {
    const ok = await cli("chain", "verify", "--tenant", "acme");
    expect(ok.code).toBe(0);
    const events = await db.event.count({ where: { tenantId: "acme" } });
    const head = await db.chainHead.findUniqueOrThrow({ where: { tenantId: "acme" } });
    expect(ok.stdout.trim()).toBe(`chain ok: ${events} events, head ${head.hash}`);
    expect((await cli("chain", "verify", "--tenant", "_platform")).code).toBe(0);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`UPDATE "Event" SET payload='{"x":1}' WHERE "tenantId"='acme' AND seq=2`);
    } finally {
      await client.end();
    }
    const broken = await cli("chain", "verify", "--tenant", "acme");
    expect(broken.code).toBe(1);
    expect(broken.stderr.trim()).toBe("chain BROKEN at seq 2: content does not match its hash");
    const json = await cli("chain", "verify", "--tenant", "acme", "--json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, tenantId: "acme", firstBrokenSeq: 2 });
    // The other tenant's chain is untouched.
    expect((await cli("chain", "verify", "--tenant", "globex")).code).toBe(0);
  });

  it("an unknown tenant: exit 1", async () => {
    const run = await cli("chain", "verify", "--tenant", "nope");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: tenant nope not found");
  });
});

describe("exoarmur migrate", () => {
  it("on a migrated database: exit 0, nothing pending", async () => {
    const run = await cli("migrate");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("no pending migrations");
    const json = await cli("migrate", "--json");
    expect(JSON.parse(json.stdout)).toEqual({ applied: [] });
  });
});

describe("choosing the database", () => {
  it("no --database-url, no DATABASE_URL, no running server: exit 2 saying to npm start", async () => {
    const run = await exoarmur(["kill-switch", "list"], { DATABASE_URL: undefined });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("npm start");
    expect(run.stderr).toContain("DATABASE_URL");
    const migrate = await exoarmur(["migrate"], { DATABASE_URL: "" });
    expect(migrate.code).toBe(2);
    expect(migrate.stderr).toContain("npm start");
  });

  it("--database-url wins over DATABASE_URL", async () => {
    const run = await exoarmur(["kill-switch", "list", "--json", "--database-url", url], {
      DATABASE_URL: "postgresql://nobody:secret@127.0.0.1:1/none",
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).killSwitches.length).toBeGreaterThan(0);
  });

  it("a running server's embedded database is found through EXOARMUR_DATA_DIR/runtime.json", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "exoarmur-data-"));
    writeFileSync(join(dataDir, "runtime.json"), JSON.stringify({ databaseUrl: url, pid: process.pid }));
    const run = await exoarmur(["chain", "verify", "--tenant", "globex"], {
      DATABASE_URL: undefined,
      EXOARMUR_DATA_DIR: dataDir,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^chain ok: /);
  });

  it("an unreachable database: exit 2, without printing the password", async () => {
    const run = await exoarmur(["kill-switch", "list"], {
      DATABASE_URL: "postgresql://postgres:hunter2@127.0.0.1:1/none",
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("cannot reach the database at postgresql://postgres:***@127.0.0.1:1/none");
    expect(run.stderr).not.toContain("hunter2");
  });
});
