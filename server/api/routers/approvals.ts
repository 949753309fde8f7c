import { z } from "zod";
import { pendingApprovalsView, voteFromDashboard } from "../../services/approvals/voting-role";
import { ANY_ROLE, type Context, OPERATORS, router, tenantProcedure } from "../trpc";

/** The signed-in platform admin user behind a call, if any: they vote with their own membership's role. */
const platformAdminUserId = (ctx: Context) => (ctx.user?.platformAdmin ? ctx.user.id : null);

export const approvalsRouter = router({
  pending: tenantProcedure(ANY_ROLE).query(({ ctx, input }) =>
    pendingApprovalsView(ctx.db, ctx.principal, input.tenantId, platformAdminUserId(ctx)),
  ),

  /** A deny needs a reason; the service checks quorum roles, self-approval and double votes. */
  vote: tenantProcedure(OPERATORS, {
    approvalId: z.string().min(1).max(64),
    vote: z.enum(["approve", "deny"]),
    reason: z.string().max(1024).optional(),
  }).mutation(({ ctx, input }) =>
    voteFromDashboard(
      ctx.db,
      ctx.principal,
      input.tenantId,
      input.approvalId,
      { vote: input.vote, ...(input.reason?.trim() ? { reason: input.reason.trim() } : {}) },
      platformAdminUserId(ctx),
    ),
  ),
});
