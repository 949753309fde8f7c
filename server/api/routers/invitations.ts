import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  acceptInvitation,
  acceptInvitationAsNewPerson,
  describeInvitation,
} from "../../services/tenants/invitations";
import { publicProcedure, router, userProcedure } from "../trpc";

/** The invitee's side of an invitation (`/invite/<token>`); the tenant admin's side is in the tenants router. */
const token = z.string().min(1).max(200);
const body = z.record(z.string(), z.unknown());

export const invitationsRouter = router({
  /** What the link is for and whether the signed-in viewer is the invited person. */
  describe: publicProcedure
    .input(z.strictObject({ token }))
    .query(({ ctx, input }) => describeInvitation(ctx.db, input.token, ctx.user)),
  /** Accept as the signed-in user, who must be the invited email. */
  accept: userProcedure
    .input(z.strictObject({ token }))
    .mutation(({ ctx, input }) => acceptInvitation(ctx.db, ctx.user, input.token)),
  /** A new person: set a name and password through the link; the account is created and joins. */
  acceptAsNewPerson: publicProcedure
    .input(z.strictObject({ token, person: body }))
    .mutation(({ ctx, input }) => {
      if (ctx.untrustedOrigin)
        throw new TRPCError({
          code: "FORBIDDEN",
          message: "cross-site request refused: the Origin header is not this dashboard's",
        });
      if (ctx.user)
        throw new TRPCError({
          code: "CONFLICT",
          message: `you are signed in as ${ctx.user.email}: sign out first to create a new account`,
        });
      return acceptInvitationAsNewPerson(ctx.db, input.token, input.person);
    }),
});
