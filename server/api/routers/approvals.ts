import { z } from "zod";
import { listPendingApprovals } from "../../services/approval-queue";
import { voteOnApproval } from "../../services/approvals";
import { ANY_ROLE, OPERATORS, router, tenantProcedure } from "../trpc";

export const approvalsRouter = router({
  pending: tenantProcedure(ANY_ROLE).query(({ ctx, input }) =>
    listPendingApprovals(ctx.db, ctx.principal, input.tenantId),
  ),

  /** A deny needs a reason; the service checks quorum roles, self-approval and double votes. */
  vote: tenantProcedure(OPERATORS, {
    approvalId: z.string().min(1).max(64),
    vote: z.enum(["approve", "deny"]),
    reason: z.string().max(1024).optional(),
  }).mutation(({ ctx, input }) =>
    voteOnApproval(ctx.db, ctx.principal, input.approvalId, {
      vote: input.vote,
      ...(input.reason?.trim() ? { reason: input.reason.trim() } : {}),
    }),
  ),
});
