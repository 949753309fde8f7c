import type { AuditFilterInput } from "@/components/trpc/types";
import { instantFromUrl } from "@/components/ui/time-format";

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

/** The audit filter a page URL stands for (times are UTC instants, as on Decisions). */
export function auditFilterFromSearch(get: (name: string) => string | null): AuditFilterInput {
  const category = get("category");
  return {
    category: AUDIT_CATEGORIES.some((c) => c.value === category) ? (category as Category) : undefined,
    by: get("by")?.trim() || undefined,
    from: instantFromUrl(get("from")),
    to: instantFromUrl(get("to")),
    limit: PAGE_SIZE,
  };
}
