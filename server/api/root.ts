import { approvalsRouter } from "./routers/approvals";
import { attentionRouter } from "./routers/attention";
import { auditRouter } from "./routers/audit";
import { chainRouter } from "./routers/chain";
import { decisionsRouter } from "./routers/decisions";
import { eventsRouter } from "./routers/events";
import { invitationsRouter } from "./routers/invitations";
import { killSwitchesRouter } from "./routers/kill-switches";
import { meRouter } from "./routers/me";
import { notificationsRouter } from "./routers/notifications";
import { overviewRouter } from "./routers/overview";
import { policiesRouter } from "./routers/policies";
import { signingKeysRouter } from "./routers/signing-keys";
import { tenantsRouter } from "./routers/tenants";
import { router } from "./trpc";

export const appRouter = router({
  me: meRouter,
  decisions: decisionsRouter,
  approvals: approvalsRouter,
  attention: attentionRouter,
  killSwitches: killSwitchesRouter,
  tenants: tenantsRouter,
  invitations: invitationsRouter,
  policies: policiesRouter,
  chain: chainRouter,
  events: eventsRouter,
  signingKeys: signingKeysRouter,
  notifications: notificationsRouter,
  overview: overviewRouter,
  audit: auditRouter,
});
export type AppRouter = typeof appRouter;
