import type { AuditFilterInput } from "@/components/trpc/types";

const PAGE_SIZE = 50;

/** The audit log's categories, in the order the filter offers them. */
export const AUDIT_CATEGORIES = [
  { value: "policy", label: "Policies" },
  { value: "key", label: "API keys" },
  { value: "member", label: "Members and invitations" },
  { value: "limit", label: "Tenant, limits and status" },
  { value: "executor", label: "Executors" },
  { value: "notification", label: "Notification channels" },
  { value: "vote", label: "Approval votes" },
  { value: "switch", label: "Kill switches" },
] as const;
type Category = (typeof AUDIT_CATEGORIES)[number]["value"];

const toIso = (local: string | null) => {
  const at = local ? new Date(local) : null;
  return at && !Number.isNaN(at.getTime()) ? at.toISOString() : undefined;
};

/** The audit filter a page URL stands for (times are the viewer's local time, as on Decisions). */
export function auditFilterFromSearch(get: (name: string) => string | null): AuditFilterInput {
  const category = get("category");
  return {
    category: AUDIT_CATEGORIES.some((c) => c.value === category) ? (category as Category) : undefined,
    by: get("by")?.trim() || undefined,
    from: toIso(get("from")),
    to: toIso(get("to")),
    limit: PAGE_SIZE,
  };
}
