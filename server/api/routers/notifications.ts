import { z } from "zod";
import {
  getNotificationConfig,
  listNotificationDeliveries,
  setNotificationConfig,
} from "../../services/notifications/notifications";
import { ADMINS, ANY_ROLE, router, tenantProcedure } from "../trpc";

/** Bodies pass through to the service, whose zod schema names the bad field. */
const body = z.record(z.string(), z.unknown());

export const notificationsRouter = router({
  /** The channels (URLs for admins only; secrets never). */
  get: tenantProcedure(ANY_ROLE).query(({ ctx, input }) =>
    getNotificationConfig(ctx.db, ctx.principal, input.tenantId),
  ),
  set: tenantProcedure(ADMINS, { config: body }).mutation(({ ctx, input }) =>
    setNotificationConfig(ctx.db, ctx.principal, input.tenantId, input.config),
  ),
  /** The latest deliveries and their state. */
  deliveries: tenantProcedure(ANY_ROLE, { limit: z.number().int().min(1).max(200).optional() }).query(
    ({ ctx, input }) =>
      listNotificationDeliveries(ctx.db, ctx.principal, input.tenantId, {
        ...(input.limit ? { limit: input.limit } : {}),
      }),
  ),
});
