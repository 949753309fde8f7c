// tRPC for the dashboard and live clients. The context carries who is calling: a dashboard user
// (better-auth session cookie) or an API key / the platform admin token (Bearer). Which tenant a
// procedure acts in, and with which role, is decided here in middleware — never by the page.

import { initTRPC, type TRPC_ERROR_CODE_KEY, TRPCError } from "@trpc/server";
import { TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { z } from "zod";
import { getSessionUser, type SessionUser } from "../auth/auth";
import { isTrustedMutationOrigin } from "../auth/origins";
import { type Db, getDb } from "../db/client";
import {
  MEMBER_ROLES,
  type MemberRole,
  type Principal,
  platformAdminUser,
} from "../services/access/principal";
import { authenticate } from "../services/keys/api-keys";
import { ServiceError, type ServiceErrorCode } from "../services/shared/errors";
import { memberRole } from "../services/users/users";
import { isDatabaseUnavailable, STORAGE_UNAVAILABLE } from "./http";

export interface Context {
  db: Db;
  /** Bearer credentials (API key or platform admin token). */
  bearer: Principal | null;
  /** The signed-in dashboard user, if the session cookie is valid. */
  user: SessionUser | null;
  /** Set when a cookie-carrying POST came from an origin we do not trust (CSRF). */
  untrustedOrigin: boolean;
  /** A bearer token was presented and refused (counted per client: server/auth/bearer-throttle.ts). */
  bearerRejected: boolean;
}

export async function createContext(request: Request): Promise<Context> {
  const db = getDb();
  const header = request.headers.get("authorization");
  let bearer: Principal | null = null;
  let bearerRejected = false;
  if (header) {
    try {
      bearer = await authenticate(db, header);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      bearerRejected = true;
    }
  }
  let user = bearer ? null : await getSessionUser(request.headers);
  // tRPC sends mutations as POST; a cookie-authenticated one must come from our own pages.
  const untrustedOrigin = user !== null && request.method === "POST" && !isTrustedMutationOrigin(request);
  if (untrustedOrigin) user = null;
  return { db, bearer, user, untrustedOrigin, bearerRejected };
}

const TRPC_CODES: Record<ServiceErrorCode, TRPC_ERROR_CODE_KEY> = {
  INVALID: "BAD_REQUEST",
  UNAUTHENTICATED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  BLOCKED: "CONFLICT",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  QUEUE_FULL: "TOO_MANY_REQUESTS",
  UNAVAILABLE: "SERVICE_UNAVAILABLE",
};

const t = initTRPC.context<Context>().create({
  sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 30_000 } },
  errorFormatter({ shape, error }) {
    // The database away (restarting, recovering from a crash) is a 503 here as in REST, not a 500:
    // the same classifier, wherever it was noticed (the API-key lookup in createContext included).
    if (error.code === "INTERNAL_SERVER_ERROR" && isDatabaseUnavailable(error.cause ?? error)) {
      return {
        ...shape,
        message: STORAGE_UNAVAILABLE,
        code: TRPC_ERROR_CODES_BY_KEY.SERVICE_UNAVAILABLE,
        data: {
          ...shape.data,
          code: "SERVICE_UNAVAILABLE" as const,
          httpStatus: 503,
          stack: undefined,
          fields: null,
        },
      };
    }
    const cause = error.cause instanceof ServiceError ? error.cause : null;
    // Field errors ({path, message}) travel to the form that caused them.
    return { ...shape, data: { ...shape.data, stack: undefined, fields: cause?.details.fields ?? null } };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Services throw ServiceError; clients get the matching tRPC code and the field list. */
const serviceErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ServiceError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: TRPC_CODES[cause.code], message: cause.message, cause });
  }
  return result;
});

export const publicProcedure = t.procedure.use(serviceErrors);

/** Why a request without a caller is refused (also used before tRPC runs: trpc-ingress.ts). */
export function unauthenticatedMessage(ctx: Pick<Context, "untrustedOrigin">): string {
  return ctx.untrustedOrigin
    ? "cross-site request refused: the Origin header is not this dashboard's"
    : "sign in first (or send an API key)";
}

function unauthenticated(ctx: Context): never {
  throw new TRPCError({
    code: ctx.untrustedOrigin ? "FORBIDDEN" : "UNAUTHORIZED",
    message: unauthenticatedMessage(ctx),
  });
}

/** Someone: a bearer principal or a signed-in user. Runs before any input is parsed. */
const someCaller = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.bearer && !ctx.user) return unauthenticated(ctx);
  return next();
});

/** A signed-in dashboard user. */
export const userProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) return unauthenticated(ctx);
  return next({ ctx: { ...ctx, user: ctx.user } });
});

/** Platform-wide actions (tenants, the global kill switch): a platform admin user or the admin token. */
export const platformAdminProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.bearer?.kind === "platform-admin") return next({ ctx: { ...ctx, principal: ctx.bearer } });
  if (!ctx.user && !ctx.bearer) return unauthenticated(ctx);
  if (!ctx.user?.platformAdmin)
    throw new TRPCError({ code: "FORBIDDEN", message: "only a platform admin may do this" });
  return next({ ctx: { ...ctx, principal: platformAdminUser(ctx.user.id) } });
});

const tenantIdField = z.string().min(1).max(64);

/**
 * A procedure inside one tenant, allowed to the given roles. A user who is not a member gets
 * NOT_FOUND (other tenants' ids reveal nothing); a member with another role gets FORBIDDEN.
 * Services receive a principal scoped to that tenant and check again.
 */
export function tenantProcedure<S extends z.ZodRawShape = Record<never, never>>(
  roles: readonly MemberRole[],
  shape: S = {} as S,
) {
  // One strict object for the whole input: an unknown (say, misspelt) field is refused, not dropped.
  const input = z.strictObject({ ...shape, tenantId: tenantIdField });
  // Authentication first, then the input: an anonymous caller's input is never parsed.
  return someCaller.input(input).use(async ({ ctx, input, next }) => {
    const tenantId = (input as { tenantId: string }).tenantId;
    const { principal, role } = await tenantPrincipal(ctx, tenantId);
    if (!roles.includes(role))
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `this needs the role ${roles.join(" or ")}; you are ${role} in ${tenantId}`,
      });
    return next({ ctx: { ...ctx, principal, role } });
  });
}

/** Who the caller is inside one tenant: the principal services receive, and its role there. */
export async function tenantPrincipal(
  ctx: Context,
  tenantId: string,
): Promise<{ principal: Principal; role: MemberRole }> {
  const missing = () => new TRPCError({ code: "NOT_FOUND", message: `tenant ${tenantId} not found` });
  if (ctx.bearer) {
    if (ctx.bearer.kind === "platform-admin") return { principal: ctx.bearer, role: "admin" };
    if (ctx.bearer.tenantId !== tenantId) throw missing();
    if (ctx.bearer.kind !== "api-key" || ctx.bearer.role === "client")
      throw new TRPCError({
        code: "FORBIDDEN",
        message: "client keys submit intents; they do not use the dashboard",
      });
    return { principal: ctx.bearer, role: ctx.bearer.role };
  }
  if (!ctx.user) return unauthenticated(ctx);
  const role = await memberRole(ctx.db, ctx.user.id, ctx.user.platformAdmin, tenantId);
  if (!role) throw missing();
  return { principal: { kind: "user", id: ctx.user.id, tenantId, role, name: ctx.user.email }, role };
}

export const ANY_ROLE = MEMBER_ROLES;
export const OPERATORS = ["admin", "operator"] as const;
export const ADMINS = ["admin"] as const;
