import { verifyChain } from "../../services/chain";
import { ANY_ROLE, router, tenantProcedure } from "../trpc";

export const chainRouter = router({
  /** Recomputes the tenant's whole hash chain: OK with the head, or the first broken seq. */
  verify: tenantProcedure(ANY_ROLE).mutation(({ ctx, input }) => verifyChain(ctx.db, input.tenantId)),
});
