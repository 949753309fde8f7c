import { z } from "zod";
import {
  activatePolicyVersion,
  applyPolicy,
  listPolicies,
  rejectPolicyVersion,
} from "../../services/policies/versions";
import { replayUnderPolicy } from "../../services/policies/what-if";
import { ADMINS, ANY_ROLE, router, tenantProcedure } from "../trpc";

export const policiesRouter = router({
  versions: tenantProcedure(ANY_ROLE).query(({ ctx, input }) =>
    listPolicies(ctx.db, ctx.principal, input.tenantId),
  ),
  /**
   * Stores a new version with its change note, active at once or (four eyes) waiting for another
   * admin; the service validates and names bad fields. Not "apply": tRPC reserves it.
   */
  save: tenantProcedure(ADMINS, { document: z.unknown(), note: z.unknown().optional() }).mutation(
    ({ ctx, input }) =>
      applyPolicy(ctx.db, ctx.principal, input.tenantId, input.document, {
        // The dashboard always asks for a note: a missing one is refused by the service, naming it.
        note: input.note ?? "",
      }),
  ),
  /** Turns down a version that waits for review, with a reason. */
  reject: tenantProcedure(ADMINS, { version: z.number().int().min(1), reason: z.unknown() }).mutation(
    ({ ctx, input }) =>
      rejectPolicyVersion(ctx.db, ctx.principal, input.tenantId, input.version, input.reason),
  ),
  activate: tenantProcedure(ADMINS, { version: z.number().int().min(1) }).mutation(({ ctx, input }) =>
    activatePolicyVersion(ctx.db, ctx.principal, input.tenantId, input.version),
  ),
  /**
   * What-if: re-evaluate recorded decisions under a draft or a past version. A query (it changes
   * nothing), so auditors may run it too.
   */
  replay: tenantProcedure(ANY_ROLE, { request: z.record(z.string(), z.unknown()) }).query(({ ctx, input }) =>
    replayUnderPolicy(ctx.db, ctx.principal, input.tenantId, input.request),
  ),
});
