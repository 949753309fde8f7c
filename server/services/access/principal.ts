// Who is calling. A platform admin (EXOARMUR_ADMIN_TOKEN, or a user with platformAdmin) may act on
// every tenant; an API key belongs to exactly one tenant and has one role there; a dashboard user
// acts in one tenant at a time, with the role of their membership there (resolved by the tRPC
// middleware before a service is called).

import type { KeyRole, MemberRole } from "../../core";

export { KEY_ROLES, type KeyRole, MEMBER_ROLES, type MemberRole } from "../../core";

export type Principal =
  | { kind: "platform-admin"; id: string }
  | {
      kind: "api-key";
      id: string;
      tenantId: string;
      role: KeyRole;
      name: string;
      /** The person the key acts for (fixed at creation): only such keys may vote. */
      person?: { id: string; email: string } | null;
      /** The user who created the key, if a user did: accountable for what it submits. */
      creatorUserId?: string | null;
      /** When the key stops working (ISO instant), or null: never. */
      expiresAt?: string | null;
    }
  | { kind: "user"; id: string; tenantId: string; role: MemberRole; name: string };

export const PLATFORM_ADMIN: Principal = { kind: "platform-admin", id: "platform-admin" };

/** A platform admin who signed in to the dashboard: labelled as that user in the chain. */
export const platformAdminUser = (userId: string): Principal => ({
  kind: "platform-admin",
  id: `user:${userId}`,
});

export function principalLabel(principal: Principal): string {
  if (principal.kind === "platform-admin") return principal.id;
  return principal.kind === "user" ? `user:${principal.id}` : `apiKey:${principal.id}`;
}

/**
 * Who answers for what a principal does, as a label: the user, or for a key the person it acts for,
 * else the user who created it (else the key itself). Four eyes compare these, so an admin cannot
 * review their own change through a key they made.
 */
export function accountableLabel(principal: Principal): string {
  if (principal.kind !== "api-key") return principalLabel(principal);
  const userId = principal.person?.id ?? principal.creatorUserId;
  return userId ? `user:${userId}` : principalLabel(principal);
}

/** The person behind a principal: a session's user, or the user a key acts for (null: nobody). */
export function personOf(principal: Principal): { id: string; email: string } | null {
  if (principal.kind === "user") return { id: principal.id, email: principal.name };
  return principal.kind === "api-key" ? (principal.person ?? null) : null;
}
