// The live feed: committed events as they reach JetStream, read with an ordered consumer, filtered
// to the principal's tenant (a platform admin sees every tenant). Each event is tracked by its
// stream sequence, so a client that reconnects with `lastEventId` resumes right after it.

import { TRPCError, tracked } from "@trpc/server";
import { z } from "zod";
import type { SessionUser } from "../../auth/auth";
import type { ChainEvent } from "../../core";
import type { Db } from "../../db/client";
import { STREAM, subjectFor } from "../../events/jetstream";
import { liveJetStream } from "../../events/live";
import { isTenantActive } from "../../services/access/authorize";
import type { Principal } from "../../services/access/principal";
import { apiKeyStillValid } from "../../services/keys/api-keys";
import { memberRole } from "../../services/users/users";
import { publicProcedure, router, tenantPrincipal } from "../trpc";

/**
 * How often an open stream re-checks that its caller may still watch (EXOARMUR_LIVE_RECHECK_MS,
 * default 30 s): a revoked key, an ended session, a lost membership or a suspended tenant ends the
 * stream within one interval.
 */
function recheckMs(): number {
  const value = Number(process.env.EXOARMUR_LIVE_RECHECK_MS ?? 30_000);
  return Number.isInteger(value) && value >= 100 ? value : 30_000;
}

async function userStillAllowed(db: Db, user: SessionUser, tenantId: string): Promise<boolean> {
  const session = user.sessionId
    ? await db.session.findUnique({ where: { id: user.sessionId }, select: { expiresAt: true } })
    : null;
  if (user.sessionId && (!session || session.expiresAt <= new Date())) return false;
  if (!(await isTenantActive(db, tenantId))) return false;
  return (await memberRole(db, user.id, user.platformAdmin, tenantId)) !== null;
}

/** The re-check for this caller, or null when nothing can change (the platform admin token). */
function stillAllowed(db: Db, bearer: Principal | null, user: SessionUser | null, tenant: string | null) {
  if (bearer?.kind === "api-key") return () => apiKeyStillValid(db, bearer.id);
  if (!bearer && user && tenant) return () => userStillAllowed(db, user, tenant);
  return null;
}

export const FEED_READY = "feed.ready";
/** The first message of every live stream; then chain events follow. */
export interface FeedReady {
  type: typeof FEED_READY;
  /** The stream sequence the feed continues after (the event id to resume from). */
  position: number;
}

export const eventsRouter = router({
  live: publicProcedure
    .input(
      z
        .strictObject({
          lastEventId: z
            .string()
            .regex(/^\d{1,15}$/, { error: "must be a stream sequence number" })
            .nullish(),
          tenantId: z.string().min(1).max(64).optional(),
        })
        .optional(),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      // An API key sees its tenant; a dashboard user names a tenant they belong to; the platform
      // admin token may watch every tenant.
      let tenant: string | null;
      if (ctx.bearer?.kind === "platform-admin") tenant = input?.tenantId ?? null;
      else if (ctx.bearer) tenant = ctx.bearer.tenantId;
      else if (input?.tenantId) {
        await tenantPrincipal(ctx, input.tenantId);
        tenant = input.tenantId;
      } else
        throw new TRPCError({
          code: ctx.user ? "BAD_REQUEST" : "UNAUTHORIZED",
          message: ctx.user ? "tenantId is required" : "sign in first (or send an API key)",
        });
      const jetstream = liveJetStream();
      if (!jetstream)
        throw new TRPCError({
          code: "PRECONDITION_FAILED",
          message: "JetStream is not available on this server",
        });
      // A new stream starts right after the stream's last event as of now, fixed by sequence (not
      // "new from whenever the consumer exists"), so the ready message below is a true promise.
      const position = input?.lastEventId
        ? Number(input.lastEventId)
        : (await jetstream.jsm.streams.info(STREAM)).state.last_seq;
      // One tenant's subjects only: resuming from an old sequence then reads that tenant's events,
      // not everyone's. (One filter: several per consumer need NATS 2.10, and 2.9 is supported.)
      const consumer = await jetstream.js.consumers.get(STREAM, {
        opt_start_seq: position + 1,
        ...(tenant ? { filter_subjects: subjectFor(tenant, ">") } : {}),
      });
      const messages = await consumer.consume();
      // Every event committed after this message arrives on this stream: a client reads state after
      // it (not before connecting) and misses nothing in between.
      yield tracked(String(position), { type: FEED_READY, position } satisfies FeedReady);
      signal?.addEventListener("abort", () => void messages.close());
      // A stream lasts only as long as what let it start: the key (not revoked, tenant active), or
      // the session, membership and tenant of a dashboard user.
      const check = stillAllowed(ctx.db, ctx.bearer, ctx.user, tenant);
      const recheck = check
        ? setInterval(() => {
            void check().then(
              (ok) => {
                if (!ok) void messages.close();
              },
              // The database away: keep the stream; the next tick asks again.
              () => {},
            );
          }, recheckMs())
        : null;
      signal?.addEventListener("abort", () => recheck && clearInterval(recheck));
      try {
        for await (const message of messages) {
          const event = message.json<ChainEvent>();
          if (tenant && event.tenantId !== tenant) continue;
          yield tracked(String(message.seq), event);
        }
      } finally {
        if (recheck) clearInterval(recheck);
      }
    }),
});
