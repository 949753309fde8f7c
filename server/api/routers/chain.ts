import { TRPCError } from "@trpc/server";
import { verifyChain } from "../../services/chain/verify";
import { ANY_ROLE, router, tenantProcedure } from "../trpc";

const verifying = new Set<string>();

export const chainRouter = router({
  /**
   * Recomputes the tenant's whole hash chain: OK with the head, or the first broken seq. One run
   * per tenant at a time (per instance): a second click waits for nothing and says so.
   */
  verify: tenantProcedure(ANY_ROLE).mutation(async ({ ctx, input }) => {
    if (verifying.has(input.tenantId))
      throw new TRPCError({
        code: "CONFLICT",
        message: "this tenant's chain is being verified already; try again shortly",
      });
    verifying.add(input.tenantId);
    try {
      return await verifyChain(ctx.db, input.tenantId);
    } finally {
      verifying.delete(input.tenantId);
    }
  }),
});
