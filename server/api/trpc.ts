import { initTRPC, TRPCError } from "@trpc/server";
import { type Db, getDb } from "../db/client";
import { authenticate } from "../services/api-keys";
import { ServiceError } from "../services/errors";
import type { Principal } from "../services/principal";

/**
 * tRPC for the dashboard and live clients: a typed context carrying the principal (an API key
 * today; browser sessions join with the dashboard), one router per area under ./routers.
 */
export interface Context {
  db: Db;
  principal: Principal | null;
}

export async function createContext(request: Request): Promise<Context> {
  const db = getDb();
  const header = request.headers.get("authorization");
  if (!header) return { db, principal: null };
  try {
    return { db, principal: await authenticate(db, header) };
  } catch (error) {
    if (error instanceof ServiceError) return { db, principal: null };
    throw error;
  }
}

const t = initTRPC.context<Context>().create({
  sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 30_000 } },
});

export const router = t.router;

/** Every procedure needs a principal; which tenant's data it sees is decided in the procedure. */
export const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.principal)
    throw new TRPCError({ code: "UNAUTHORIZED", message: "missing or unknown credentials" });
  return next({ ctx: { ...ctx, principal: ctx.principal } });
});
