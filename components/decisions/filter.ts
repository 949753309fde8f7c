import type { DecisionFilter } from "@/components/trpc/types";
import { instantFromUrl } from "@/components/ui/time-format";

const PAGE_SIZE = 50;
export const VERDICTS = ["ALLOW", "DENY", "REQUIRE_APPROVAL"] as const;

/**
 * The list filter a page URL stands for. Shared by the page (client) and its server prefetch, so
 * both ask the same query. Times in the URL are UTC instants, so a shared link covers the same
 * window for every viewer; a hand-edited one that is not an instant is no filter, not a broken page.
 */
export function filterFromSearch(get: (name: string) => string | null): DecisionFilter {
  const verdict = get("verdict");
  return {
    verdict: (VERDICTS as readonly string[]).includes(verdict ?? "")
      ? (verdict as (typeof VERDICTS)[number])
      : undefined,
    action: get("action") || undefined,
    actor: get("actor") || undefined,
    from: instantFromUrl(get("from")),
    to: instantFromUrl(get("to")),
    limit: PAGE_SIZE,
  };
}
