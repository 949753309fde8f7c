"use client";

import Link from "next/link";
import { Time } from "@/components/ui";

export interface EngagedSwitch {
  id: string;
  scope: "global" | "tenant" | "action";
  action: string | null;
  reason: string;
  engagedBy: string;
  since: string;
}

const scopeText = (s: EngagedSwitch) =>
  s.scope === "global"
    ? "Global kill switch"
    : s.scope === "tenant"
      ? "Tenant kill switch"
      : `Kill switch on ${s.action ?? "actions"}`;

/** Red, on every page of the tenant, while any switch covers it: nothing it covers will run. */
export function KillSwitchBanner({ tenantId, switches }: { tenantId: string; switches: EngagedSwitch[] }) {
  if (switches.length === 0) return null;
  return (
    <div role="alert" data-testid="kill-switch-banner" className="border-b border-rose-500/50 bg-rose-950/80">
      <ul className="mx-auto flex max-w-[1800px] flex-col gap-1 px-4 py-2 text-sm text-rose-100">
        {switches.map((s) => (
          <li key={s.id} className="flex flex-wrap items-baseline gap-x-2">
            <span className="font-semibold">{scopeText(s)} engaged</span>
            <span className="break-all">“{s.reason}”</span>
            <span className="text-rose-200">
              by {s.engagedBy}, since <Time at={s.since} />
            </span>
            <Link
              href={`/t/${encodeURIComponent(tenantId)}/kill-switches`}
              className="font-medium text-white underline underline-offset-2"
            >
              Kill switches
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
