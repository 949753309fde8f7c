import { resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { FieldError } from "../core";
import type { Db } from "../db/client";
import { ServiceError } from "../services/errors";
import { MEMBER_ROLES, type MemberRole, PLATFORM_ADMIN } from "../services/principal";
import { EXIT_OK, EXIT_REFUSED, EXIT_USAGE, redactUrl, resolveDatabaseUrl } from "./operator-commands";
import type { CommandIO } from "./verify-command";

/**
 * `exoarmur user create | add-member`: dashboard users and their tenant memberships, created on the
 * server as the platform admin, straight against the database (like the operator commands, and
 * through the same services, so each membership writes its chain event).
 *
 * Exit codes: 0 ok, 1 refused by the service (invalid field, duplicate email, unknown tenant), 2 usage
 * error (bad arguments, unreadable stdin, no database).
 */

/** The caller's fault before any service runs: exit 2. */
class UsageError extends Error {}

/** A password is at most 256 characters; stdin beyond this is not a password. */
const MAX_STDIN_BYTES = 64 * 1024;

/** Reads all of stdin (for --password-stdin), refusing more than MAX_STDIN_BYTES. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > MAX_STDIN_BYTES)
      throw new UsageError(
        `--password-stdin: stdin holds more than ${MAX_STDIN_BYTES} bytes; expected one password`,
      );
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

interface CommonOptions {
  databaseUrl?: string;
  json?: boolean;
}

interface Membership {
  tenantId: string;
  role: MemberRole;
}

/** `--member acme:operator`: repeatable; the role after the last colon. */
function memberPair(value: string, previous: Membership[] = []): Membership[] {
  const colon = value.lastIndexOf(":");
  const tenantId = colon > 0 ? value.slice(0, colon) : "";
  const role = colon > 0 ? value.slice(colon + 1) : "";
  if (!tenantId || !(MEMBER_ROLES as readonly string[]).includes(role))
    throw new InvalidArgumentError(
      `Expected TENANT:ROLE with ROLE one of ${MEMBER_ROLES.join(", ")}, e.g. acme:operator.`,
    );
  return [...previous, { tenantId, role: role as MemberRole }];
}

function printJson(io: CommandIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

function fail(
  io: CommandIO,
  json: boolean,
  code: number,
  errorCode: string,
  message: string,
  fields?: FieldError[],
  flags: Record<string, string> = {},
): number {
  if (json) {
    printJson(io, { error: { code: errorCode, message, ...(fields?.length ? { fields } : {}) } });
    return code;
  }
  io.err(`error: ${message}`);
  for (const f of fields ?? []) {
    // `memberships[0].role` and `memberships.tenantId` are both the membership flag's fault.
    const flag = flags[f.path.split(/[.[]/)[0] ?? ""];
    io.err(`  ${f.path || "(input)"}: ${f.message}${flag ? ` (${flag})` : ""}`);
  }
  return code;
}

const UNAVAILABLE =
  /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|Connection terminated|connection is closed|Can't reach database|password authentication failed|database "[^"]*" does not exist|P1001|P1003|P1000/i;
const UNMIGRATED = /^P2021$|relation "[^"]+" does not exist|table .* does not exist/i;

/** Every code and message down an error's cause chain. */
function errorChain(error: unknown): string[] {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 6; depth++) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string") parts.push(code);
    if (typeof message === "string") parts.push(message);
    e = cause;
  }
  return parts;
}

/** The last line of a (possibly multi-line Prisma) error message: the one that says what went wrong. */
function gist(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? message
  );
}

/** Resolves the database, runs `work` with a client, maps refusals to exit codes, always disconnects. */
async function withDatabase(
  options: CommonOptions,
  io: CommandIO,
  flags: Record<string, string>,
  work: (db: Db, json: boolean) => Promise<number>,
): Promise<number> {
  const json = Boolean(options.json);
  const url = resolveDatabaseUrl(options.databaseUrl);
  if (!url) {
    const dataDir = resolve(process.env.EXOARMUR_DATA_DIR ?? ".exoarmur");
    return fail(
      io,
      json,
      EXIT_USAGE,
      "NO_DATABASE",
      `no database to work on: no --database-url, no DATABASE_URL, and no running server's embedded database under ${dataDir}.\n` +
        "  Start the server (`npm start`) and run this again, or set DATABASE_URL (or pass --database-url).",
    );
  }
  const { createDb } = await import("../db/client");
  const db = createDb(url, 2);
  try {
    return await work(db, json);
  } catch (error) {
    if (error instanceof UsageError) return fail(io, json, EXIT_USAGE, "USAGE", error.message);
    if (error instanceof ServiceError)
      return fail(io, json, EXIT_REFUSED, error.code, error.message, error.details.fields, flags);
    const chain = errorChain(error);
    if (chain.some((part) => UNAVAILABLE.test(part)))
      return fail(
        io,
        json,
        EXIT_USAGE,
        "DATABASE_UNAVAILABLE",
        `cannot reach the database at ${redactUrl(url)}: ${gist(error)}`,
      );
    if (chain.some((part) => UNMIGRATED.test(part)))
      return fail(
        io,
        json,
        EXIT_USAGE,
        "DATABASE_NOT_MIGRATED",
        `the database at ${redactUrl(url)} has no ExoArmur tables yet: run \`exoarmur migrate\` first (${gist(error)})`,
      );
    throw error;
  } finally {
    await db.$disconnect().catch(() => {});
  }
}

function common(command: Command): Command {
  return command
    .option(
      "--database-url <url>",
      "PostgreSQL URL (default: DATABASE_URL, else the running server's database)",
    )
    .option("--json", "print the machine-readable result");
}

const roleOption = (description: string) => new Option("--role <role>", description).choices(MEMBER_ROLES);

interface CreateOptions extends CommonOptions {
  email: string;
  name: string;
  password?: string;
  passwordStdin?: boolean;
  platformAdmin?: boolean;
  member?: Membership[];
  tenant?: string;
  role?: MemberRole;
}

/** The memberships asked for: every --member, plus --tenant/--role (which go together). */
function membershipsOf(options: CreateOptions): Membership[] {
  if ((options.tenant === undefined) !== (options.role === undefined))
    throw new UsageError("--tenant and --role go together: give both, or use --member TENANT:ROLE");
  const all = [...(options.member ?? [])];
  if (options.tenant !== undefined && options.role !== undefined)
    all.push({ tenantId: options.tenant, role: options.role });
  const seen = new Set<string>();
  for (const m of all) {
    if (seen.has(m.tenantId))
      throw new UsageError(`tenant ${m.tenantId} is given twice: a user has one role per tenant`);
    seen.add(m.tenantId);
  }
  return all;
}

/** One trailing line break is the end of the line `echo` or a file adds, not part of the password. */
const chompLine = (text: string) => text.replace(/\r?\n$/, "");

export function registerUserCommands(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
  stdin: () => Promise<string> = readStdin,
): void {
  const user = program.command("user").description("dashboard users and their tenant memberships");

  common(
    user
      .command("create")
      .description(
        "create a dashboard user with a password (generated and printed once if none is given) and, optionally, tenant memberships",
      )
      .requiredOption("--email <email>", "sign-in email (stored lower-case)")
      .requiredOption("--name <name>", "display name")
      .option(
        "--password <password>",
        "at least 12 characters (visible to other local users and in shell history: prefer --password-stdin)",
      )
      .option("--password-stdin", "read the password from stdin (one trailing newline is dropped)")
      .option("--platform-admin", "may manage every tenant and the global kill switch")
      .option(
        "--member <tenant:role>",
        `a membership, e.g. acme:operator (role: ${MEMBER_ROLES.join(", ")}); repeatable`,
        memberPair,
      )
      .option("--tenant <id>", "a tenant to add the user to (with --role)")
      .addOption(roleOption("the user's role in --tenant"))
      .addHelpText(
        "after",
        "\nExit codes: 0 created, 1 refused (invalid field, email taken, unknown tenant), 2 usage error.",
      ),
  ).action(async (options: CreateOptions) => {
    const flags: Record<string, string> = {
      email: "--email",
      name: "--name",
      password: options.passwordStdin ? "--password-stdin" : "--password",
      memberships: options.member?.length ? "--member" : "--tenant",
    };
    setExit(
      await withDatabase(options, io, flags, async (db, json) => {
        if (options.password !== undefined && options.passwordStdin)
          throw new UsageError("give --password or --password-stdin, not both");
        const memberships = membershipsOf(options);
        const generated = options.password === undefined && !options.passwordStdin;
        const { createUser, generatePassword } = await import("../services/users");
        const password =
          options.password ?? (options.passwordStdin ? chompLine(await stdin()) : generatePassword());
        const created = await createUser(db, {
          email: options.email,
          name: options.name,
          password,
          ...(options.platformAdmin ? { platformAdmin: true } : {}),
          ...(memberships.length ? { memberships } : {}),
        });
        if (json) {
          printJson(io, { ...created, memberships, ...(generated ? { password } : {}) });
          return EXIT_OK;
        }
        io.out(`created user ${created.id} ${created.email} ("${created.name}")`);
        io.out(`  platform admin: ${created.platformAdmin ? "yes" : "no"}`);
        io.out(
          memberships.length
            ? `  memberships: ${memberships.map((m) => `${m.tenantId} (${m.role})`).join(", ")}`
            : `  memberships: none yet; next: exoarmur user add-member --email ${created.email} --tenant <id> --role <role>`,
        );
        if (generated) {
          io.out(`  password: ${password}`);
          io.err(
            "warning: the generated password is shown only now (ExoArmur stores only its hash): hand it over securely.",
          );
        }
        return EXIT_OK;
      }),
    );
  });

  common(
    user
      .command("add-member")
      .description("add an existing user to a tenant, or change their role there")
      .requiredOption("--email <email>", "the user's email")
      .requiredOption("--tenant <id>", "tenant id")
      .addOption(roleOption("the user's role in the tenant").makeOptionMandatory()),
  ).action(async (options: CommonOptions & { email: string; tenant: string; role: MemberRole }) =>
    setExit(
      await withDatabase(options, io, { email: "--email", role: "--role" }, async (db, json) => {
        const { getTenant } = await import("../services/tenants");
        const { setMembership } = await import("../services/users");
        // The tenant must exist: the service trusts the platform admin's tenant id.
        await getTenant(db, PLATFORM_ADMIN, options.tenant);
        const member = await setMembership(db, PLATFORM_ADMIN, options.tenant, {
          email: options.email,
          role: options.role,
        });
        if (json) printJson(io, { tenantId: options.tenant, ...member });
        else io.out(`${member.email} (${member.userId}) is now ${member.role} in tenant ${options.tenant}`);
        return EXIT_OK;
      }),
    ),
  );
}
