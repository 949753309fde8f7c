"use client";

import { useApprovalNotificationSetting } from "@/components/shell/approval-notifications";
import { Button } from "@/components/ui";

/** Opt in (per browser) to a desktop notification for every new approval while the dashboard is open. */
export function NotifyToggle() {
  const { enabled, available, denied, setEnabled } = useApprovalNotificationSetting();
  if (!available) return null;
  if (denied)
    return (
      <span className="text-xs text-slate-400">Notifications are blocked in this browser's settings.</span>
    );
  return (
    <Button tone="ghost" aria-pressed={enabled} onClick={() => void setEnabled(!enabled)}>
      {enabled ? "Notifications on" : "Notify me of new approvals"}
    </Button>
  );
}
