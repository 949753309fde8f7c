import { z } from "zod";
import { platformAdminUser } from "../../services/access/principal";
import { createApiKey, listApiKeys, revokeApiKey } from "../../services/keys/api-keys";
import { inviteMember, listInvitations, revokeInvitation } from "../../services/tenants/invitations";
import { createTenant, getTenant, updateTenant } from "../../services/tenants/tenants";
import { listMembers, removeMembership, setMembership } from "../../services/users/users";
import { ADMINS, ANY_ROLE, platformAdminProcedure, router, tenantProcedure } from "../trpc";

/** Bodies pass through to the services, whose zod schemas name the bad field. */
const body = z.record(z.string(), z.unknown());

export const tenantsRouter = router({
  get: tenantProcedure(ANY_ROLE).query(({ ctx, input }) => getTenant(ctx.db, ctx.principal, input.tenantId)),
  create: platformAdminProcedure
    .input(body)
    .mutation(({ ctx, input }) => createTenant(ctx.db, ctx.principal, input)),
  /** Name (tenant admins); limits and status — suspend / activate — are the platform admin's (checked by the service). */
  update: tenantProcedure(ADMINS, { changes: body }).mutation(({ ctx, input }) =>
    updateTenant(
      ctx.db,
      // Status, limits and dropping four eyes are platform acts: a platform admin user makes them as platform admin.
      ("status" in input.changes || "limits" in input.changes || "policyFourEyes" in input.changes) &&
        ctx.user?.platformAdmin
        ? platformAdminUser(ctx.user.id)
        : ctx.principal,
      input.tenantId,
      input.changes,
    ),
  ),
  apiKeys: tenantProcedure(ADMINS).query(({ ctx, input }) =>
    listApiKeys(ctx.db, ctx.principal, input.tenantId),
  ),
  /** The key itself is in this response only; it is stored as a hash. */
  createApiKey: tenantProcedure(ADMINS, { key: body }).mutation(({ ctx, input }) =>
    createApiKey(ctx.db, ctx.principal, input.tenantId, input.key),
  ),
  revokeApiKey: tenantProcedure(ADMINS, { keyId: z.string().min(1).max(64) }).mutation(({ ctx, input }) =>
    revokeApiKey(ctx.db, ctx.principal, input.tenantId, input.keyId),
  ),
  members: tenantProcedure(ADMINS).query(({ ctx, input }) =>
    listMembers(ctx.db, ctx.principal, input.tenantId),
  ),
  /** A member's role (tenant admins: existing members only); a platform admin may also add anyone directly. */
  setMember: tenantProcedure(ADMINS, { member: body }).mutation(({ ctx, input }) =>
    setMembership(
      ctx.db,
      // Adding someone directly is a platform act: a platform admin user does it as platform admin.
      ctx.user?.platformAdmin ? platformAdminUser(ctx.user.id) : ctx.principal,
      input.tenantId,
      input.member,
    ),
  ),
  /** Invite an email with a role: the link (with its token) is in this response only. */
  invite: tenantProcedure(ADMINS, { invitation: body }).mutation(({ ctx, input }) =>
    inviteMember(ctx.db, ctx.principal, input.tenantId, input.invitation),
  ),
  invitations: tenantProcedure(ADMINS).query(({ ctx, input }) =>
    listInvitations(ctx.db, ctx.principal, input.tenantId),
  ),
  revokeInvitation: tenantProcedure(ADMINS, { invitationId: z.string().min(1).max(64) }).mutation(
    ({ ctx, input }) => revokeInvitation(ctx.db, ctx.principal, input.tenantId, input.invitationId),
  ),
  removeMember: tenantProcedure(ADMINS, { userId: z.string().min(1).max(64) }).mutation(({ ctx, input }) =>
    removeMembership(ctx.db, ctx.principal, input.tenantId, input.userId),
  ),
});
