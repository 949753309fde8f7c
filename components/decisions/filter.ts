import type { DecisionFilter } from "@/components/trpc/types";

const PAGE_SIZE = 50;
export const VERDICTS = ["ALLOW", "DENY", "REQUIRE_APPROVAL"] as const;

/** datetime-local (the viewer's local time) → ISO instant for the API. */
const toIso = (local: string | null) => {
  const at = local ? new Date(local) : null;
  // A hand-edited URL with an unreadable time is no filter rather than a broken page.
  return at && !Number.isNaN(at.getTime()) ? at.toISOString() : undefined;
};

/**
 * The list filter a page URL stands for. Shared by the page (client) and its server prefetch, so
 * both ask the same query; time filters are the viewer's local time and are left to the client.
 */
export function filterFromSearch(get: (name: string) => string | null, withTimes: boolean): DecisionFilter {
  const verdict = get("verdict");
  return {
    verdict: (VERDICTS as readonly string[]).includes(verdict ?? "")
      ? (verdict as (typeof VERDICTS)[number])
      : undefined,
    action: get("action") || undefined,
    actor: get("actor") || undefined,
    from: withTimes ? toIso(get("from")) : undefined,
    to: withTimes ? toIso(get("to")) : undefined,
    limit: PAGE_SIZE,
  };
}
