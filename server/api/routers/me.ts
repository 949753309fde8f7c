import { userAccess } from "../../services/users/users";
import { router, userProcedure } from "../trpc";

/** The signed-in user and the tenants they may open, with their role in each. */
export const meRouter = router({
  get: userProcedure.query(async ({ ctx }) => ({
    user: ctx.user,
    ...(await userAccess(ctx.db, ctx.user.id, ctx.user.platformAdmin)),
  })),
});
