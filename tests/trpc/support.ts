import { TRPCError } from "@trpc/server";
import { expect } from "vitest";
import { appRouter } from "../../server/api/root";
import { type Context, createCallerFactory } from "../../server/api/trpc";
import type { SessionUser } from "../../server/auth/auth";
import type { Db } from "../../server/db/client";
import type { MemberRole, Principal } from "../../server/services/access/principal";
import { ServiceError } from "../../server/services/shared/errors";
import { createUser } from "../../server/services/users/users";

/**
 * The dashboard's tRPC API called in-process, exactly as the route handler would after building the
 * context: a hand-made Context (a session user, a bearer principal, or neither) over a real test
 * database, so every middleware, input parser, service and query runs for real.
 */
const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

export function callerAs(
  db: Db,
  who: { user?: SessionUser | null; bearer?: Principal | null; untrustedOrigin?: boolean } = {},
): Caller {
  const context: Context = {
    db,
    user: who.user ?? null,
    bearer: who.bearer ?? null,
    untrustedOrigin: who.untrustedOrigin ?? false,
    bearerRejected: false,
  };
  return createCaller(context);
}

let counter = 0;

/** A dashboard user with a password account and the given memberships, as `exoarmur user create` makes one. */
export async function makeUser(
  db: Db,
  label: string,
  memberships: Record<string, MemberRole> = {},
  platformAdmin = false,
): Promise<SessionUser> {
  counter++;
  const created = await createUser(db, {
    email: `${label}-${counter}@example.com`,
    name: `${label} ${counter}`,
    password: "a long enough password",
    ...(platformAdmin ? { platformAdmin: true } : {}),
    memberships: Object.entries(memberships).map(([tenantId, role]) => ({ tenantId, role })),
  });
  return { id: created.id, email: created.email, name: created.name, platformAdmin: created.platformAdmin };
}

/** The TRPCError a call was refused with (fails the test if it succeeded or threw something else). */
export async function refusal(call: Promise<unknown>): Promise<TRPCError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error("expected the call to be refused");
}

export async function expectCode(call: Promise<unknown>, code: TRPCError["code"]): Promise<TRPCError> {
  const error = await refusal(call);
  expect(error.code, error.message).toBe(code);
  return error;
}

/** The `{path, message}` list a service refusal carries (what the error formatter sends as data.fields). */
export function fieldsOf(error: TRPCError): { path: string; message: string }[] {
  return error.cause instanceof ServiceError ? (error.cause.details.fields ?? []) : [];
}

/** Everything a dashboard mutation in a tenant could change: compared before and after a refusal. */
export async function tenantState(db: Db, tenantId: string) {
  return {
    tenant: await db.tenant.findUnique({ where: { id: tenantId } }),
    events: await db.event.count({ where: { tenantId } }),
    votes: await db.approvalVote.count({ where: { tenantId } }),
    approvals: await db.approval.findMany({ where: { tenantId }, orderBy: { id: "asc" } }),
    executions: await db.execution.count({ where: { tenantId } }),
    killSwitches: await db.killSwitch.findMany({ orderBy: { id: "asc" } }),
    policyVersions: await db.policyVersion.count({ where: { tenantId } }),
    apiKeys: await db.apiKey.findMany({ where: { tenantId }, orderBy: { id: "asc" } }),
    memberships: await db.membership.findMany({ where: { tenantId }, orderBy: { userId: "asc" } }),
  };
}
