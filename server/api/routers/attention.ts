import { tenantAttention } from "../../services/attention/attention";
import { ANY_ROLE, router, tenantProcedure } from "../trpc";

export const attentionRouter = router({
  /** Engaged kill switches over the tenant and the number of approvals waiting: shown on every page. */
  get: tenantProcedure(ANY_ROLE).query(({ ctx, input }) =>
    tenantAttention(ctx.db, ctx.principal, input.tenantId),
  ),
});
