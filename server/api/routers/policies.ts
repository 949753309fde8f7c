import { z } from "zod";
import { activatePolicyVersion, applyPolicy, listPolicies } from "../../services/policies/versions";
import { replayUnderPolicy } from "../../services/policies/what-if";
import { ADMINS, ANY_ROLE, router, tenantProcedure } from "../trpc";

export const policiesRouter = router({
  versions: tenantProcedure(ANY_ROLE).query(({ ctx, input }) =>
    listPolicies(ctx.db, ctx.principal, input.tenantId),
  ),
  /** Stores a new version and makes it active (the service validates and names bad fields). Not "apply": tRPC reserves it. */
  save: tenantProcedure(ADMINS, { document: z.unknown() }).mutation(({ ctx, input }) =>
    applyPolicy(ctx.db, ctx.principal, input.tenantId, input.document),
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
