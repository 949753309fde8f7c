"use client";

import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useSyncExternalStore } from "react";

const STORAGE_KEY = "exoarmur.notify-approvals";
const CHANGED = "exoarmur:notify-approvals";

export interface NotifiableApproval {
  id: string;
  decisionId: string;
  action: string;
  target: string;
  expiresAt: string;
}

const supported = () => typeof window !== "undefined" && "Notification" in window;

function optedIn(): boolean {
  return supported() && Notification.permission === "granted" && localStorage.getItem(STORAGE_KEY) === "on";
}

function subscribe(onChange: () => void) {
  window.addEventListener(CHANGED, onChange);
  window.addEventListener("storage", onChange);
  return () => {
    window.removeEventListener(CHANGED, onChange);
    window.removeEventListener("storage", onChange);
  };
}

/** Whether this browser shows a notification for each new approval, and the switch to change it. */
export function useApprovalNotificationSetting() {
  const enabled = useSyncExternalStore(subscribe, optedIn, () => false);
  const available = useSyncExternalStore(subscribe, supported, () => false);
  const denied = useSyncExternalStore(
    subscribe,
    () => supported() && Notification.permission === "denied",
    () => false,
  );
  const setEnabled = useCallback(async (on: boolean) => {
    if (on && Notification.permission !== "granted") await Notification.requestPermission();
    localStorage.setItem(STORAGE_KEY, on ? "on" : "off");
    window.dispatchEvent(new Event(CHANGED));
  }, []);
  return { enabled, available, denied, setEnabled };
}

/**
 * Raises a browser notification for every approval that appears while the dashboard is open (not
 * for those already waiting when it opened); clicking it opens the decision.
 */
export function useApprovalNotifications(
  tenantId: string | null,
  enabled: boolean,
  approvals: readonly NotifiableApproval[] | undefined,
) {
  const router = useRouter();
  const seen = useRef<Set<string> | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new tenant starts a new baseline
  useEffect(() => {
    seen.current = null;
  }, [tenantId, enabled]);
  useEffect(() => {
    if (!tenantId || !enabled || !approvals) return;
    if (seen.current === null) {
      seen.current = new Set(approvals.map((a) => a.id));
      return;
    }
    for (const a of approvals) {
      if (seen.current.has(a.id)) continue;
      seen.current.add(a.id);
      const href = `/t/${encodeURIComponent(tenantId)}/decisions/${encodeURIComponent(a.decisionId)}`;
      const notification = new Notification(`Approval needed: ${a.action} → ${a.target}`, {
        body: `${tenantId} · decide before ${new Date(a.expiresAt).toISOString().slice(11, 16)} UTC`,
        tag: a.id,
        data: { href },
      });
      notification.onclick = () => {
        window.focus();
        router.push(href);
        notification.close();
      };
    }
  }, [tenantId, enabled, approvals, router]);
}
