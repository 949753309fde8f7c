import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { principalNames } from "../../services/access/principal-names";
import { decisionFilterSchema, listDecisions } from "../../services/decisions/list";
import { exportEvidence, getDecision } from "../../services/decisions/read";
import { replayDecision } from "../../services/policies/what-if";
import { ANY_ROLE, router, tenantProcedure } from "../trpc";

const id = z.string().min(1).max(64);

export const decisionsRouter = router({
  list: tenantProcedure(ANY_ROLE, { filter: decisionFilterSchema }).query(({ ctx, input }) =>
    listDecisions(ctx.db, ctx.principal, input.tenantId, input.filter),
  ),

  /** The intent, rule trail, approval votes, execution with its attempts, and the chain events. */
  get: tenantProcedure(ANY_ROLE, { decisionId: id }).query(async ({ ctx, input }) => {
    const decision = await getDecision(ctx.db, ctx.principal, input.decisionId);
    // A platform admin's reads are unscoped: keep the URL's tenant honest all the same.
    if (decision.tenantId !== input.tenantId)
      throw new TRPCError({ code: "NOT_FOUND", message: `decision ${input.decisionId} not found` });
    // The decision's own events, its approval's and its execution's: one query; the execution's
    // attempts are the part of it whose subject is the execution.
    const subjects = [input.decisionId, decision.approval?.id, decision.execution?.id].filter(
      (s): s is string => !!s,
    );
    const events = await ctx.db.event.findMany({
      where: { tenantId: input.tenantId, subjectId: { in: subjects } },
      orderBy: { seq: "asc" },
      select: {
        seq: true,
        type: true,
        at: true,
        hash: true,
        payload: true,
        publishedAt: true,
        subjectId: true,
      },
    });
    const chain = events.map(({ publishedAt, subjectId, ...e }) => ({
      ...e,
      subjectId,
      payload: e.payload as Record<string, unknown>,
      published: publishedAt !== null,
    }));
    const voters = (decision.approval?.votes ?? []).map((v) => `${v.principal.type}:${v.principal.id}`);
    return {
      ...decision,
      names: await principalNames(ctx.db, voters),
      execution: decision.execution
        ? { ...decision.execution, events: chain.filter((e) => e.subjectId === decision.execution?.id) }
        : null,
      chain,
    };
  }),

  /** The signed bundle `exoarmur verify` checks, for the "download evidence" button. */
  evidence: tenantProcedure(ANY_ROLE, { decisionId: id }).query(async ({ ctx, input }) => {
    const bundle = await exportEvidence(ctx.db, ctx.principal, input.decisionId);
    if (bundle.subject.tenantId !== input.tenantId)
      throw new TRPCError({ code: "NOT_FOUND", message: `decision ${input.decisionId} not found` });
    return bundle;
  }),

  replay: tenantProcedure(ANY_ROLE, { decisionId: id }).mutation(({ ctx, input }) =>
    replayDecision(ctx.db, ctx.principal, input.tenantId, input.decisionId),
  ),
});
