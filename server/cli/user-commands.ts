// `exoarmur user create | add-member`: dashboard users and their tenant memberships, created on the
// server as the platform admin, straight against the database (like the operator commands, and
// through the same services, so each membership writes its chain event).
//
// Exit codes: 0 ok, 1 refused by the service (invalid field, duplicate email, unknown tenant), 2 usage
// error (bad arguments, unreadable stdin, no database).

import { type Command, InvalidArgumentError, Option } from "commander";
import { MEMBER_ROLES, type MemberRole, PLATFORM_ADMIN } from "../services/access/principal";
import {
  type DatabaseOptions,
  databaseOptions,
  EXIT_OK,
  printJson,
  UsageError,
  withDatabase,
} from "./database-command";
import type { CommandIO } from "./verify-command";

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

const roleOption = (description: string) => new Option("--role <role>", description).choices(MEMBER_ROLES);

interface CreateOptions extends DatabaseOptions {
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

  databaseOptions(
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
      await withDatabase(
        options,
        io,
        async (db, { json }) => {
          if (options.password !== undefined && options.passwordStdin)
            throw new UsageError("give --password or --password-stdin, not both");
          const memberships = membershipsOf(options);
          const generated = options.password === undefined && !options.passwordStdin;
          const { createUser, generatePassword } = await import("../services/users/users");
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
        },
        flags,
      ),
    );
  });

  databaseOptions(
    user
      .command("add-member")
      .description("add an existing user to a tenant, or change their role there")
      .requiredOption("--email <email>", "the user's email")
      .requiredOption("--tenant <id>", "tenant id")
      .addOption(roleOption("the user's role in the tenant").makeOptionMandatory()),
  ).action(async (options: DatabaseOptions & { email: string; tenant: string; role: MemberRole }) =>
    setExit(
      await withDatabase(
        options,
        io,
        async (db, { json }) => {
          const { getTenant } = await import("../services/tenants/tenants");
          const { setMembership } = await import("../services/users/users");
          // The tenant must exist: the service trusts the platform admin's tenant id.
          await getTenant(db, PLATFORM_ADMIN, options.tenant);
          const member = await setMembership(db, PLATFORM_ADMIN, options.tenant, {
            email: options.email,
            role: options.role,
          });
          if (json) printJson(io, { tenantId: options.tenant, ...member });
          else io.out(`${member.email} (${member.userId}) is now ${member.role} in tenant ${options.tenant}`);
          return EXIT_OK;
        },
        { email: "--email", role: "--role" },
      ),
    ),
  );
}
