import { TRPCError } from "@trpc/server";
import { z } from "zod";
import type { MemberRole } from "../../services/access/principal";
import { principalNames } from "../../services/access/principal-names";
import { listPendingApprovals } from "../../services/approvals/queue";
import { voteOnApproval } from "../../services/approvals/vote";
import { ANY_ROLE, type Context, OPERATORS, router, tenantProcedure } from "../trpc";

/**
 * A quorum counts people by their membership: a platform admin's implied admin role does not vote.
 * The role a platform admin user votes with here (their operator/admin membership), or null.
 */
async function platformAdminVotingRole(ctx: Context, tenantId: string): Promise<MemberRole | null> {
  if (!ctx.user) return null;
  const member = await ctx.db.membership.findUnique({
    where: { userId_tenantId: { userId: ctx.user.id, tenantId } },
  });
  return member && (OPERATORS as readonly string[]).includes(member.role)
    ? (member.role as MemberRole)
    : null;
}

export const approvalsRouter = router({
  pending: tenantProcedure(ANY_ROLE).query(async ({ ctx, input }) => {
    let approvals = await listPendingApprovals(ctx.db, ctx.principal, input.tenantId);
    if (ctx.user?.platformAdmin && !(await platformAdminVotingRole(ctx, input.tenantId)))
      approvals = approvals.map((a) => ({ ...a, unavailable: "ROLE_NOT_ALLOWED" as const }));
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
    if (ctx.user?.platformAdmin && principal.kind === "user") {
      const role = await platformAdminVotingRole(ctx, input.tenantId);
      if (!role)
        throw new TRPCError({
          code: "FORBIDDEN",
          message: "platform admins vote only where they are an operator or admin member of the tenant",
        });
      principal = { ...principal, role };
    }
    return voteOnApproval(ctx.db, principal, input.approvalId, {
      vote: input.vote,
      ...(input.reason?.trim() ? { reason: input.reason.trim() } : {}),
    });
  }),
});
