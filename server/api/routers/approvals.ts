import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { listPendingApprovals } from "../../services/approval-queue";
import { voteOnApproval } from "../../services/approvals";
import type { MemberRole } from "../../services/principal";
import { principalNames } from "../../services/principal-names";
import { ANY_ROLE, OPERATORS, router, tenantProcedure } from "../trpc";

export const approvalsRouter = router({
  pending: tenantProcedure(ANY_ROLE).query(async ({ ctx, input }) => {
    let approvals = await listPendingApprovals(ctx.db, ctx.principal, input.tenantId);
    if (ctx.user?.platformAdmin) {
      // Mirror the vote rule below: a platform admin votes with their membership's role, if any.
      const member = await ctx.db.membership.findUnique({
        where: { userId_tenantId: { userId: ctx.user.id, tenantId: input.tenantId } },
      });
      if (member === null || !(OPERATORS as readonly string[]).includes(member.role))
        approvals = approvals.map((a) => ({ ...a, unavailable: "ROLE_NOT_ALLOWED" as const }));
    }
    const voters = approvals.flatMap((a) => a.votes.map((v) => `${v.principal.type}:${v.principal.id}`));
    return { approvals, names: await principalNames(ctx.db, voters) };
  }),

  /** A deny needs a reason; the service checks quorum roles, self-approval and double votes. */
  vote: tenantProcedure(OPERATORS, {
    approvalId: z.string().min(1).max(64),
    vote: z.enum(["approve", "deny"]),
    reason: z.string().max(1024).optional(),
  }).mutation(async ({ ctx, input }) => {
    let principal = ctx.principal;
    // A quorum counts people by their membership: a platform admin's implied admin role does not vote.
    if (ctx.user?.platformAdmin && principal.kind === "user") {
      const member = await ctx.db.membership.findUnique({
        where: { userId_tenantId: { userId: ctx.user.id, tenantId: input.tenantId } },
      });
      if (!member || !(OPERATORS as readonly string[]).includes(member.role))
        throw new TRPCError({
          code: "FORBIDDEN",
          message: "platform admins vote only where they are an operator or admin member of the tenant",
        });
      principal = { ...principal, role: member.role as MemberRole };
    }
    return voteOnApproval(ctx.db, principal, input.approvalId, {
      vote: input.vote,
      ...(input.reason?.trim() ? { reason: input.reason.trim() } : {}),
    });
  }),
});
