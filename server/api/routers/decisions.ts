import { z } from "zod";
import { getDecisionDetail, getDecisionEvidence } from "../../services/decisions/detail";
import { decisionFilterSchema, listDecisions } from "../../services/decisions/list";
import { replayDecision } from "../../services/policies/what-if";
import { ANY_ROLE, router, tenantProcedure } from "../trpc";

const id = z.string().min(1).max(64);

export const decisionsRouter = router({
  list: tenantProcedure(ANY_ROLE, { filter: decisionFilterSchema }).query(({ ctx, input }) =>
    listDecisions(ctx.db, ctx.principal, input.tenantId, input.filter),
  ),

  /** The intent, rule trail, approval votes, execution with its attempts and recorded call, and the chain events. */
  get: tenantProcedure(ANY_ROLE, { decisionId: id }).query(({ ctx, input }) =>
    getDecisionDetail(
      ctx.db,
      ctx.principal,
      input.tenantId,
      input.decisionId,
      ctx.user?.platformAdmin ? ctx.user.id : null,
    ),
  ),

  /** The signed bundle `exoarmur verify` checks, for the "download evidence" button. */
  evidence: tenantProcedure(ANY_ROLE, { decisionId: id }).query(({ ctx, input }) =>
    getDecisionEvidence(ctx.db, ctx.principal, input.tenantId, input.decisionId),
  ),

  replay: tenantProcedure(ANY_ROLE, { decisionId: id }).mutation(({ ctx, input }) =>
    replayDecision(ctx.db, ctx.principal, input.tenantId, input.decisionId),
  ),
});
