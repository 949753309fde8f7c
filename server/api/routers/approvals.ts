import { z } from "zod";
import { pendingApprovalsView, voteFromDashboard, voteOnEach } from "../../services/approvals/voting-role";
import { ANY_ROLE, type Context, OPERATORS, router, tenantProcedure } from "../trpc";

/** The signed-in platform admin user behind a call, if any: they vote with their own membership's role. */
const platformAdminUserId = (ctx: Context) => (ctx.user?.platformAdmin ? ctx.user.id : null);

const voteInput = {
  vote: z.enum(["approve", "deny"]),
  reason: z.string().max(1024).optional(),
};
const voteBody = (input: { vote: "approve" | "deny"; reason?: string | undefined }) => ({
  vote: input.vote,
  ...(input.reason?.trim() ? { reason: input.reason.trim() } : {}),
});

export const approvalsRouter = router({
  pending: tenantProcedure(ANY_ROLE).query(({ ctx, input }) =>
    pendingApprovalsView(ctx.db, ctx.principal, input.tenantId, platformAdminUserId(ctx)),
  ),

  /** A deny needs a reason; the service checks quorum roles, self-approval and double votes. */
  vote: tenantProcedure(OPERATORS, { approvalId: z.string().min(1).max(64), ...voteInput }).mutation(
    ({ ctx, input }) =>
      voteFromDashboard(
        ctx.db,
        ctx.principal,
        input.tenantId,
        input.approvalId,
        voteBody(input),
        platformAdminUserId(ctx),
      ),
  ),

  /** One reason, one vote per approval (each its own transaction): the answer says how each went. */
  voteMany: tenantProcedure(OPERATORS, {
    approvalIds: z.array(z.string().min(1).max(64)).min(1).max(100),
    ...voteInput,
  }).mutation(({ ctx, input }) =>
    voteOnEach(
      ctx.db,
      ctx.principal,
      input.tenantId,
      [...new Set(input.approvalIds)],
      voteBody(input),
      platformAdminUserId(ctx),
    ),
  ),
});
