import { DeliverPolicy } from "@nats-io/jetstream";
import { TRPCError, tracked } from "@trpc/server";
import { z } from "zod";
import type { ChainEvent } from "../../core";
import { STREAM } from "../../events/jetstream";
import { liveJetStream } from "../../events/live";
import { publicProcedure, router, tenantPrincipal } from "../trpc";

/**
 * The live feed: committed events as they reach JetStream, read with an ordered consumer, filtered
 * to the principal's tenant (a platform admin sees every tenant). Each event is tracked by its
 * stream sequence, so a client that reconnects with `lastEventId` resumes right after it.
 */
export const eventsRouter = router({
  live: publicProcedure
    .input(
      z
        .strictObject({
          lastEventId: z.string().regex(/^\d+$/).nullish(),
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
      const startSeq = input?.lastEventId ? Number(input.lastEventId) + 1 : undefined;
      const consumer = await jetstream.js.consumers.get(
        STREAM,
        startSeq ? { opt_start_seq: startSeq } : { deliver_policy: DeliverPolicy.New },
      );
      const messages = await consumer.consume();
      signal?.addEventListener("abort", () => void messages.close());
      for await (const message of messages) {
        const event = message.json<ChainEvent>();
        if (tenant && event.tenantId !== tenant) continue;
        yield tracked(String(message.seq), event);
      }
    }),
});
