import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyPassword } from "better-auth/crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run as runCli } from "../../server/cli/main";
import type { CommandIO } from "../../server/cli/verify-command";
import type { Db } from "../../server/db/client";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { createTenant } from "../../server/services/tenants/tenants";
import { createTestDatabase } from "../support/db";

/**
 * `exoarmur user create | add-member`, run as an operator would: the real bin in a child process
 * against a fresh migrated database, checking exit codes, output, the rows written — and that the
 * stored hash really accepts the password (better-auth's own verifyPassword, as sign-in uses it).
 */
let url: string;
let db: Db;
let dir: string;

beforeAll(async () => {
  ({ url, db } = await createTestDatabase());
  dir = mkdtempSync(join(tmpdir(), "exoarmur-user-"));
  await createTenant(db, PLATFORM_ADMIN, { id: "acme", name: "Acme" });
  await createTenant(db, PLATFORM_ADMIN, { id: "globex", name: "Globex" });
});
afterAll(async () => {
  await db.$disconnect();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real bin in a child process, feeding `stdin` (empty if none) — for the end-to-end cases. */
function exoarmur(args: string[], stdin = ""): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/exoarmur.mjs", ...args], {
      env: { ...process.env, EXOARMUR_DATA_DIR: dir, DATABASE_URL: url },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    // The command may stop reading early (too much input): that is not the test's failure.
    child.stdin.on("error", () => {});
    child.stdin.end(stdin);
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The same CLI entry point (`run` of server/cli/main.ts, which the bin calls) in this process, with
 * the database named by --database-url: the many refusal cases without a child process each
 * (those that read stdin run the bin).
 */
async function inProcess(args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = { out: (line) => out.push(line), err: (line) => err.push(line) };
  const code = await runCli([...args, "--database-url", url], io);
  const text = (lines: string[]) => lines.map((l) => `${l}\n`).join("");
  return { code, stdout: text(out), stderr: text(err) };
}

const user = (...args: string[]) => exoarmur(["user", ...args]);

/** Everything a user command could write. */
const counts = async () => ({
  users: await db.user.count(),
  accounts: await db.account.count(),
  memberships: await db.membership.count(),
  events: await db.event.count(),
});

async function passwordHashOf(email: string): Promise<string> {
  const row = await db.user.findUniqueOrThrow({ where: { email }, include: { accounts: true } });
  expect(row.accounts).toHaveLength(1);
  expect(row.accounts[0]!.providerId).toBe("credential");
  return row.accounts[0]!.password!;
}

/** Runs a command that must be refused, and checks it wrote nothing at all. */
async function refused(args: string[], stdin?: string): Promise<Run> {
  const before = await counts();
  const run =
    stdin === undefined ? await inProcess(["user", ...args]) : await exoarmur(["user", ...args], stdin);
  expect(run.code).not.toBe(0);
  expect(run.stdout).toBe("");
  expect(await counts()).toEqual(before);
  return run;
}

describe("exoarmur user create", () => {
  it("creates the user, its password account and memberships with their chain events; the password works", async () => {
    const password = "correct horse battery staple";
    const run = await user(
      "create",
      "--email",
      "Alice@Example.com",
      "--name",
      "Alice Operator",
      "--password",
      password,
      "--member",
      "acme:operator",
      "--member",
      "globex:auditor",
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^created user usr_\S+ alice@example\.com \("Alice Operator"\)$/m);
    expect(run.stdout).toContain("platform admin: no");
    expect(run.stdout).toContain("memberships: acme (operator), globex (auditor)");
    expect(run.stdout).not.toContain(password);

    const row = await db.user.findUniqueOrThrow({
      where: { email: "alice@example.com" },
      include: { memberships: { orderBy: { tenantId: "asc" } } },
    });
    expect(row).toMatchObject({ name: "Alice Operator", platformAdmin: false });
    expect(row.memberships.map((m) => [m.tenantId, m.role])).toEqual([
      ["acme", "operator"],
      ["globex", "auditor"],
    ]);
    const hash = await passwordHashOf("alice@example.com");
    expect(hash).not.toContain(password);
    expect(await verifyPassword({ hash, password })).toBe(true);
    expect(await verifyPassword({ hash, password: `${password}!` })).toBe(false);
    for (const tenantId of ["acme", "globex"]) {
      const events = await db.event.findMany({ where: { tenantId, subjectId: row.id } });
      expect(events.map((e) => e.type)).toEqual(["member.added"]);
    }
  });

  it("without a password: generates one, prints it once with a warning, and it works", async () => {
    const run = await user("create", "--email", "bob@example.com", "--name", "Bob");
    expect(run.code).toBe(0);
    const password = /^ {2}password: (\S+)$/m.exec(run.stdout)?.[1];
    expect(password).toBeDefined();
    expect(password!.length).toBeGreaterThanOrEqual(12);
    expect(run.stdout.split(password!).length - 1).toBe(1);
    expect(run.stderr).toContain("warning: the generated password is shown only now");
    expect(run.stdout).toContain("memberships: none yet; next: exoarmur user add-member");
    expect(await verifyPassword({ hash: await passwordHashOf("bob@example.com"), password: password! })).toBe(
      true,
    );
  });

  it("--password-stdin reads the password (dropping one trailing newline); --json prints no password", async () => {
    const password = "pässwörd from a pipe ✓";
    const piped = await exoarmur(
      [
        "user",
        "create",
        "--email",
        "carol@example.com",
        "--name",
        "Carol",
        "--password-stdin",
        "--platform-admin",
        "--tenant",
        "acme",
        "--role",
        "admin",
        "--json",
      ],
      `${password}\n`,
    );
    expect(piped.stderr).toBe("");
    expect(piped.code).toBe(0);
    const body = JSON.parse(piped.stdout);
    expect(body).toEqual({
      id: expect.stringMatching(/^usr_/),
      email: "carol@example.com",
      name: "Carol",
      platformAdmin: true,
      memberships: [{ tenantId: "acme", role: "admin" }],
    });
    const hash = await passwordHashOf("carol@example.com");
    expect(await verifyPassword({ hash, password })).toBe(true);
    expect(await verifyPassword({ hash, password: `${password}\n` })).toBe(false);
  });

  it("--json with a generated password includes it", async () => {
    const run = await user("create", "--email", "dave@example.com", "--name", "Dave", "--json");
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout);
    expect(body.password).toEqual(expect.any(String));
    expect(
      await verifyPassword({ hash: await passwordHashOf("dave@example.com"), password: body.password }),
    ).toBe(true);
  });

  it("a unicode name is stored exactly", async () => {
    const name = "Zoë 山田 🛡️ O'Brien-Łukasz";
    const run = await user(
      "create",
      "--email",
      "zoe@example.com",
      "--name",
      name,
      "--password",
      "x".repeat(12),
    );
    expect(run.code).toBe(0);
    expect((await db.user.findUniqueOrThrow({ where: { email: "zoe@example.com" } })).name).toBe(name);
  });

  it("a duplicate email (in any case): exit 1, a clear error, nothing written, the first user unchanged", async () => {
    const before = await db.user.findUniqueOrThrow({ where: { email: "alice@example.com" } });
    const hash = await passwordHashOf("alice@example.com");
    const run = await refused([
      "create",
      "--email",
      "ALICE@example.com",
      "--name",
      "Impostor",
      "--password",
      "another password here",
      "--member",
      "globex:operator",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: a user with the email alice@example.com already exists");
    expect(await db.user.findUniqueOrThrow({ where: { email: "alice@example.com" } })).toEqual(before);
    expect(await passwordHashOf("alice@example.com")).toBe(hash);
  });

  it("--json refusal prints the error body on stdout, nothing written", async () => {
    const before = await counts();
    const run = await user(
      "create",
      "--email",
      "alice@example.com",
      "--name",
      "A",
      "--password",
      "x".repeat(12),
      "--json",
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({
      error: { code: "CONFLICT", message: "a user with the email alice@example.com already exists" },
    });
    const invalid = await user("create", "--email", "nope", "--name", "A", "--password", "short", "--json");
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout)).toEqual({
      error: {
        code: "INVALID",
        message: "request is invalid",
        fields: [
          { path: "email", message: "must be an email address" },
          { path: "password", message: "must be at least 12 characters" },
        ],
      },
    });
    expect(await counts()).toEqual(before);
  });

  it.each([
    ["no at sign", "not-an-email"],
    ["two at signs", "a@b@example.com"],
    ["spaces", "a b@example.com"],
    ["empty", ""],
    ["a newline", "eve@example.com\nbcc@evil.example"],
  ])("a malformed email (%s): exit 1 naming --email, nothing written", async (_label, email) => {
    const run = await refused(["create", "--email", email, "--name", "Eve", "--password", "x".repeat(12)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: request is invalid");
    expect(run.stderr).toMatch(/^ {2}email: must be an email address \(--email\)$/m);
  });

  it("a short password: exit 1 naming the flag it came from, nothing written", async () => {
    const flag = await refused([
      "create",
      "--email",
      "frank@example.com",
      "--name",
      "Frank",
      "--password",
      "short",
    ]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/^ {2}password: must be at least 12 characters \(--password\)$/m);
    const piped = await refused(
      ["create", "--email", "frank@example.com", "--name", "Frank", "--password-stdin"],
      "short\n",
    );
    expect(piped.code).toBe(1);
    expect(piped.stderr).toMatch(/^ {2}password: must be at least 12 characters \(--password-stdin\)$/m);
  });

  it("an unknown tenant: exit 1, and not even the user is created", async () => {
    const run = await refused([
      "create",
      "--email",
      "grace@example.com",
      "--name",
      "Grace",
      "--password",
      "x".repeat(12),
      "--member",
      "acme:operator",
      "--member",
      "nope:auditor",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ {2}memberships\.tenantId: tenant nope does not exist \(--member\)$/m);
    expect(await db.user.count({ where: { email: "grace@example.com" } })).toBe(0);
  });

  it.each([
    [["--member", "acme:boss"], "Expected TENANT:ROLE"],
    [["--member", "acme"], "Expected TENANT:ROLE"],
    [["--member", ":operator"], "Expected TENANT:ROLE"],
    [["--member", "acme:client"], "Expected TENANT:ROLE"],
    [["--tenant", "acme", "--role", "boss"], "Allowed choices are admin, operator, auditor"],
    [["--tenant", "acme"], "--tenant and --role go together"],
    [["--role", "admin"], "--tenant and --role go together"],
    [["--member", "acme:admin", "--member", "acme:auditor"], "tenant acme is given twice"],
    [["--member", "acme:admin", "--tenant", "acme", "--role", "auditor"], "tenant acme is given twice"],
  ])("a bad role or membership %j is a usage error (exit 2)", async (extra, message) => {
    const run = await refused([
      "create",
      "--email",
      "heidi@example.com",
      "--name",
      "Heidi",
      "--password",
      "x".repeat(12),
      ...extra,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it("--password and --password-stdin together: exit 2", async () => {
    const run = await refused(
      [
        "create",
        "--email",
        "ivan@example.com",
        "--name",
        "Ivan",
        "--password",
        "x".repeat(12),
        "--password-stdin",
      ],
      "y".repeat(12),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("give --password or --password-stdin, not both");
  });

  it.each([
    [
      "a 10,000-character name",
      ["--email", "judy@example.com", "--name", "n".repeat(10_000)],
      "name: must be at most 256 characters",
    ],
    [
      "a newline in the name",
      ["--email", "judy@example.com", "--name", "Judy\nAdmin"],
      "name: must not contain control characters",
    ],
    [
      "an ANSI escape in the name",
      ["--email", "judy@example.com", "--name", "Judy\u001b[31m"],
      "name: must not contain control characters",
    ],
    [
      "a bidi override in the name",
      ["--email", "judy@example.com", "--name", "Judy\u202enimdA"],
      "name: must not contain control characters or invisible formatting characters (U+202E at index 4)",
    ],
    ["an empty name", ["--email", "judy@example.com", "--name", ""], "name: must not be empty"],
    [
      "a 10,000-character email",
      ["--email", `${"e".repeat(10_000)}@example.com`, "--name", "Judy"],
      "email: must be at most 254 characters",
    ],
    [
      "a 300-character password",
      ["--email", "judy@example.com", "--name", "Judy", "--password", "p".repeat(300)],
      "password: must be at most 256 characters",
    ],
    [
      "a __proto__ tenant",
      ["--email", "judy@example.com", "--name", "Judy", "--member", "__proto__:admin"],
      "tenant __proto__ does not exist",
    ],
  ])("hostile input (%s): exit 1 with the field, nothing written", async (_label, args, message) => {
    const withPassword = args.includes("--password") ? args : [...args, "--password", "x".repeat(12)];
    const run = await refused(["create", ...withPassword]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr.length).toBeLessThan(2_000);
  });

  it("more than 64 KiB on stdin is a usage error, nothing written", async () => {
    const run = await refused(
      ["create", "--email", "mallory@example.com", "--name", "Mallory", "--password-stdin"],
      "m".repeat(200_000),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("stdin holds more than 65536 bytes");
  });
});

describe("exoarmur user add-member", () => {
  it("adds an existing user to a tenant, then changes the role; each writes a member.set event", async () => {
    const id = (await db.user.findUniqueOrThrow({ where: { email: "bob@example.com" } })).id;
    const run = await user(
      "add-member",
      "--email",
      "BOB@example.com",
      "--tenant",
      "acme",
      "--role",
      "auditor",
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(`bob@example.com (${id}) is now auditor in tenant acme`);
    const again = await user(
      "add-member",
      "--email",
      "bob@example.com",
      "--tenant",
      "acme",
      "--role",
      "operator",
      "--json",
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({
      tenantId: "acme",
      userId: id,
      email: "bob@example.com",
      role: "operator",
    });
    const rows = await db.membership.findMany({ where: { userId: id } });
    expect(rows.map((m) => [m.tenantId, m.role])).toEqual([["acme", "operator"]]);
    const events = await db.event.findMany({
      where: { tenantId: "acme", subjectId: id },
      orderBy: { seq: "asc" },
    });
    expect(events.map((e) => [e.type, (e.payload as { role: string }).role])).toEqual([
      ["member.set", "auditor"],
      ["member.set", "operator"],
    ]);
  });

  it("an unknown email: exit 1 naming --email, nothing written", async () => {
    const run = await refused([
      "add-member",
      "--email",
      "nobody@example.com",
      "--tenant",
      "acme",
      "--role",
      "admin",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^ {2}email: no user has this email .* \(--email\)$/m);
  });

  it("an unknown tenant: exit 1, nothing written", async () => {
    const run = await refused([
      "add-member",
      "--email",
      "bob@example.com",
      "--tenant",
      "nope",
      "--role",
      "admin",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("error: tenant nope not found");
  });

  it("a bad role or a missing option: exit 2", async () => {
    const role = await refused([
      "add-member",
      "--email",
      "bob@example.com",
      "--tenant",
      "acme",
      "--role",
      "root",
    ]);
    expect(role.code).toBe(2);
    expect(role.stderr).toContain("Allowed choices are admin, operator, auditor");
    const missing = await refused(["add-member", "--email", "bob@example.com", "--tenant", "acme"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--role <role>' not specified");
  });

  it("a malformed email: exit 1", async () => {
    const run = await refused([
      "add-member",
      "--email",
      "x".repeat(5_000),
      "--tenant",
      "acme",
      "--role",
      "admin",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("email: must be");
  });
});
