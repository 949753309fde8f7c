import { tenantOverview } from "../../services/overview/overview";
import { ANY_ROLE, router, tenantProcedure } from "../trpc";

export const overviewRouter = router({
  /** Decisions per day by verdict, approvals waiting, engaged switches, failed executions, stream health. */
  get: tenantProcedure(ANY_ROLE).query(({ ctx, input }) =>
    tenantOverview(ctx.db, ctx.principal, input.tenantId),
  ),
});
