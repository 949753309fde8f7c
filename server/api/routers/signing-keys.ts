import { TRPCError } from "@trpc/server";
import { publicKeyInfo } from "../../services/keys/signing-key";
import { publicProcedure, router } from "../trpc";

/** Anyone signed in (a dashboard session) or holding an API key: the keys are public, not anonymous. */
const authenticatedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user && !ctx.bearer)
    throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first (or send an API key)" });
  return next();
});

export const signingKeysRouter = router({
  /**
   * The evidence-signing keys the server publishes: the current one and every retired one. The
   * verify page trusts exactly these (and keys the user pastes), as `GET /api/v1/signing-key` does
   * for `exoarmur verify --trusted-keys`.
   */
  list: authenticatedProcedure.query(({ ctx }) => publicKeyInfo(ctx.db)),
});
