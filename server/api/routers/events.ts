import { DeliverPolicy } from "@nats-io/jetstream";
import { TRPCError, tracked } from "@trpc/server";
import { z } from "zod";
import type { ChainEvent } from "../../core";
import { STREAM } from "../../events/jetstream";
import { liveJetStream } from "../../events/live";
import { protectedProcedure, router } from "../trpc";

/**
 * The live feed: committed events as they reach JetStream, read with an ordered consumer, filtered
 * to the principal's tenant (a platform admin sees every tenant). Each event is tracked by its
 * stream sequence, so a client that reconnects with `lastEventId` resumes right after it.
 */
export const eventsRouter = router({
  live: protectedProcedure
    .input(z.strictObject({ lastEventId: z.string().regex(/^\d+$/).nullish() }).optional())
    .subscription(async function* ({ ctx, input, signal }) {
      const jetstream = liveJetStream();
      if (!jetstream)
        throw new TRPCError({
          code: "PRECONDITION_FAILED",
          message: "JetStream is not available on this server",
        });
      const tenant = ctx.principal.kind === "platform-admin" ? null : ctx.principal.tenantId;
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
