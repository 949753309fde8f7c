import type { Db } from "../../db/client";
import type { MemberRole, Principal } from "../access/principal";
import { principalNames } from "../access/principal-names";
import { forbidden, ServiceError } from "../shared/errors";
import type { Tx } from "../shared/transaction";
import { listPendingApprovals } from "./queue";
import { voteOnApproval } from "./vote";

/** The membership roles a quorum counts. */
const VOTING_ROLES: readonly string[] = ["admin", "operator"];

/**
 * A quorum counts people by their membership: a platform admin's implied admin role does not vote.
 * The role a platform admin user votes with in a tenant (their operator/admin membership), or null.
 */
async function platformAdminVotingRole(db: Tx, userId: string, tenantId: string): Promise<MemberRole | null> {
  const member = await db.membership.findUnique({ where: { userId_tenantId: { userId, tenantId } } });
  return member && VOTING_ROLES.includes(member.role) ? (member.role as MemberRole) : null;
}

/**
 * The pending approvals of a tenant as the dashboard's queue shows them, with the voters' names.
 * `platformAdminUserId`: the signed-in platform admin user behind the call, if any; without an
 * operator/admin membership of their own they may vote on none of them.
 */
export async function pendingApprovalsView(
  db: Tx,
  principal: Principal,
  tenantId: string,
  platformAdminUserId: string | null,
  /** Only this approval (a decision's page asks about its own). */
  only?: string,
) {
  let approvals = await listPendingApprovals(db, principal, tenantId, new Date(), only);
  if (platformAdminUserId && !(await platformAdminVotingRole(db, platformAdminUserId, tenantId)))
    approvals = approvals.map((a) => ({ ...a, unavailable: "ROLE_NOT_ALLOWED" as const }));
  const voters = approvals.flatMap((a) => a.votes.map((v) => `${v.principal.type}:${v.principal.id}`));
  return { approvals, names: await principalNames(db, voters) };
}

/**
 * A dashboard vote. A platform admin user votes with the role of their own operator/admin
 * membership of the tenant (FORBIDDEN without one); everyone else with the principal's role.
 * The vote service checks quorum roles, self-approval and double votes.
 */
export async function voteFromDashboard(
  db: Db,
  principal: Principal,
  tenantId: string,
  approvalId: string,
  body: { vote: "approve" | "deny"; reason?: string },
  platformAdminUserId: string | null,
) {
  let voter = principal;
  if (platformAdminUserId && voter.kind === "user") {
    const role = await platformAdminVotingRole(db, platformAdminUserId, tenantId);
    if (!role)
      throw forbidden("platform admins vote only where they are an operator or admin member of the tenant");
    voter = { ...voter, role };
  }
  return voteOnApproval(db, voter, approvalId, body);
}

/** A bulk vote: each approval voted on in turn; a refusal of one (already voted, expired…) is reported, not thrown. */
export async function voteOnEach(
  db: Db,
  principal: Principal,
  tenantId: string,
  approvalIds: readonly string[],
  body: { vote: "approve" | "deny"; reason?: string },
  platformAdminUserId: string | null,
) {
  const results = [];
  for (const approvalId of approvalIds) {
    try {
      const result = await voteFromDashboard(db, principal, tenantId, approvalId, body, platformAdminUserId);
      results.push({
        approvalId,
        ok: true as const,
        status: result.status,
        executionStatus: result.executionStatus ?? null,
      });
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      results.push({ approvalId, ok: false as const, message: error.message });
    }
  }
  return { results };
}
