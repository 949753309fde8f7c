import { z } from "zod";
import { memberRole, userAccess } from "../../services/users/users";
import { router, userProcedure } from "../trpc";

/** The signed-in user and the tenants they may open, with their role in each. */
export const meRouter = router({
  get: userProcedure.query(async ({ ctx }) => ({
    user: ctx.user,
    ...(await userAccess(ctx.db, ctx.user.id, ctx.user.platformAdmin)),
  })),

  /**
   * The signed-in user's role in one tenant, or null when they may not open it (not a member, or no
   * such tenant; a platform admin is admin in every tenant). The tenant layout asks before rendering.
   */
  tenantRole: userProcedure
    .input(z.strictObject({ tenantId: z.string() }))
    .query(({ ctx, input }) => memberRole(ctx.db, ctx.user.id, ctx.user.platformAdmin, input.tenantId)),
});
