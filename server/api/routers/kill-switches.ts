import { z } from "zod";
import { setKillSwitch } from "../../services/kill-switches/kill-switches";
import { killSwitchOverview } from "../../services/kill-switches/overview";
import { ANY_ROLE, OPERATORS, platformAdminProcedure, router, tenantProcedure } from "../trpc";

const reason = z.string().trim().min(1, { error: "a reason is required" }).max(1024);
/** The switch's changedAt as the page showed it (null: never set); a newer change is a CONFLICT. */
const expectedChangedAt = z.iso.datetime({ offset: true }).nullable().optional();

export const killSwitchesRouter = router({
  /** The switches that apply to a tenant (its own and the global one) and their full history. */
  list: tenantProcedure(ANY_ROLE).query(({ ctx, input }) =>
    killSwitchOverview(ctx.db, ctx.principal, input.tenantId),
  ),

  setTenant: tenantProcedure(OPERATORS, {
    engaged: z.boolean(),
    reason,
    action: z.string().min(1).max(256).optional(),
    expectedChangedAt,
  }).mutation(({ ctx, input }) =>
    setKillSwitch(
      ctx.db,
      ctx.principal,
      {
        scope: input.action ? "action" : "tenant",
        tenantId: input.tenantId,
        ...(input.action ? { action: input.action } : {}),
        engaged: input.engaged,
        reason: input.reason,
      },
      new Date(),
      input.expectedChangedAt,
    ),
  ),

  setGlobal: platformAdminProcedure
    .input(z.strictObject({ engaged: z.boolean(), reason, expectedChangedAt }))
    .mutation(({ ctx, input }) =>
      setKillSwitch(
        ctx.db,
        ctx.principal,
        { scope: "global", engaged: input.engaged, reason: input.reason },
        new Date(),
        input.expectedChangedAt,
      ),
    ),
});
