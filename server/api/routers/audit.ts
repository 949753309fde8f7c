import { auditFilterSchema, listAuditLog } from "../../services/audit/audit-log";
import { ANY_ROLE, router, tenantProcedure } from "../trpc";

export const auditRouter = router({
  /** Changes by people and keys, from the chain, newest first; filterable, keyset-paginated. */
  list: tenantProcedure(ANY_ROLE, { filter: auditFilterSchema }).query(({ ctx, input }) =>
    listAuditLog(ctx.db, ctx.principal, input.tenantId, input.filter),
  ),
});
