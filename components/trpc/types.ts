// What the dashboard's tRPC procedures take and answer, named once. Components import these rather
// than re-deriving them from the router (or reaching into server modules for their shapes).

import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/* Decisions */

/** The filter of `decisions.list` (what a decisions page URL stands for). */
export type DecisionFilter = RouterInputs["decisions"]["list"]["filter"];
/** One row of `decisions.list`. */
export type DecisionRow = RouterOutputs["decisions"]["list"]["rows"][number];
/** `decisions.get`: the intent, rule trail, approval and votes, execution and its events, chain events. */
export type DecisionDetailData = RouterOutputs["decisions"]["get"];

/* Approvals */

/** One pending approval of `approvals.pending`, as its card shows it. */
export type ApprovalCard = RouterOutputs["approvals"]["pending"]["approvals"][number];
/** Why the signed-in user cannot vote on an approval (null: they can). */
export type VoteUnavailable = ApprovalCard["unavailable"];

/* Kill switches */

type KillSwitchList = RouterOutputs["killSwitches"]["list"];
export type KillSwitch = KillSwitchList["switches"][number];
export type KillSwitchEvent = KillSwitchList["history"][number];

/* Policies */

/** What `policies.versions` answers: the active version and every stored version, newest first. */
export type PolicyVersions = RouterOutputs["policies"]["versions"];
/** What `policies.replay` answers (counts, transitions, per-decision changes). */
export type ReplayOutput = RouterOutputs["policies"]["replay"];
export type ReplayChangeRow = ReplayOutput["changes"][number];

/* Chain */

export type ChainReport = RouterOutputs["chain"]["verify"];

/* Tenants, their members and keys */

/** One tenant as `tenants.get` answers it: name, status, limits. */
export type Tenant = RouterOutputs["tenants"]["get"];
/** One of the signed-in user's tenants (`me.get`); a platform admin has them all. */
export type Membership = RouterOutputs["me"]["get"]["memberships"][number];
export type TenantMember = RouterOutputs["tenants"]["members"][number];
export type ApiKey = RouterOutputs["tenants"]["apiKeys"]["keys"][number];
/** A key just created: the only time its secret is in an answer. */
export type CreatedApiKey = RouterOutputs["tenants"]["createApiKey"];

/** What a vote came to (`approvals.vote`). */
export type VoteResult = RouterOutputs["approvals"]["vote"];

/* Invitations */

/** One invitation of a tenant, as its admins see it (never with its link). */
export type TenantInvitation = RouterOutputs["tenants"]["invitations"][number];
/** An invitation just made: the only answer that carries its link. */
export type CreatedInvitation = RouterOutputs["tenants"]["invite"];
/** What the invitation page knows about a link (`invitations.describe`). */
export type InvitationInfo = RouterOutputs["invitations"]["describe"];

/* Overview and audit log */

export type OverviewData = RouterOutputs["overview"]["get"];
export type AuditFilterInput = RouterInputs["audit"]["list"]["filter"];
export type AuditLogRow = RouterOutputs["audit"]["list"]["rows"][number];
