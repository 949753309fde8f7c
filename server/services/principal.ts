/**
 * Who is calling. A platform admin (EXOARMUR_ADMIN_TOKEN) may act on every tenant; an API key
 * belongs to exactly one tenant and has one role there.
 */
export const KEY_ROLES = ["client", "operator", "auditor", "admin"] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

export type Principal =
  | { kind: "platform-admin"; id: "platform-admin" }
  | { kind: "api-key"; id: string; tenantId: string; role: KeyRole; name: string };

export const PLATFORM_ADMIN: Principal = { kind: "platform-admin", id: "platform-admin" };

export function principalLabel(principal: Principal): string {
  return principal.kind === "platform-admin" ? "platform-admin" : `apiKey:${principal.id}`;
}
