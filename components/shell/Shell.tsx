"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { type ReactNode, useEffect, useRef, useState } from "react";
import { authClient } from "@/components/auth/auth-client";
import { LiveFeedProvider, useLiveRefresh } from "@/components/decisions/live";
import { ShieldMark } from "@/components/ShieldMark";
import {
  useApprovalNotificationSetting,
  useApprovalNotifications,
} from "@/components/shell/approval-notifications";
import { KillSwitchBanner } from "@/components/shell/KillSwitchBanner";
import { usePendingCountTitle } from "@/components/shell/page-title";
import { safeDecode } from "@/components/shell/safe-decode";
import { useTRPC } from "@/components/trpc/client";
import { Badge, Button, DisplayZoneToggle, MAIN_FOCUS, SkipLink } from "@/components/ui";
import type { SessionUser } from "@/server/auth/auth";

const TENANT_PAGES = [
  { segment: "overview", label: "Overview", admin: false },
  { segment: "decisions", label: "Decisions", admin: false },
  { segment: "approvals", label: "Approvals", admin: false },
  { segment: "kill-switches", label: "Kill switches", admin: false },
  { segment: "policies", label: "Policies", admin: false },
  { segment: "replay", label: "Replay", admin: false },
  { segment: "chain", label: "Chain", admin: false },
  { segment: "audit", label: "Audit log", admin: false },
  { segment: "settings", label: "Settings", admin: true },
] as const;

/** The tenant in the URL (/t/<tenant>/...), if any. */
function useTenantFromPath(): string | null {
  const match = /^\/t\/([^/]+)/.exec(usePathname() ?? "");
  return match ? safeDecode(match[1]!) : null;
}

export function Shell({ user, children }: { user: SessionUser; children: ReactNode }) {
  const tenant = useTenantFromPath();
  // One live feed per tab, for the tenant in view: the shell's counts and the page's views share it.
  return tenant ? (
    <LiveFeedProvider key={tenant} tenantId={tenant}>
      <ShellFrame user={user} tenant={tenant}>
        {children}
      </ShellFrame>
    </LiveFeedProvider>
  ) : (
    <ShellFrame user={user} tenant={null}>
      {children}
    </ShellFrame>
  );
}

/** The tenant's attention state (engaged switches, pending approvals), kept fresh by the live feed. */
function useTenantAttention(tenant: string) {
  const trpc = useTRPC();
  const notify = useApprovalNotificationSetting();
  const attention = useQuery({
    ...trpc.attention.get.queryOptions({ tenantId: tenant }),
    refetchInterval: 30_000,
  });
  const pending = useQuery({
    ...trpc.approvals.pending.queryOptions({ tenantId: tenant }),
    enabled: notify.enabled,
  });
  useLiveRefresh([
    trpc.attention.get.queryKey(),
    ...(notify.enabled ? [trpc.approvals.pending.queryKey()] : []),
  ]);
  useApprovalNotifications(tenant, notify.enabled, pending.data?.approvals);
  return attention.data;
}

function TenantAttention({ tenant, children }: { tenant: string; children: (pending: number) => ReactNode }) {
  const attention = useTenantAttention(tenant);
  usePendingCountTitle(attention?.pendingApprovals ?? 0);
  return (
    <>
      {children(attention?.pendingApprovals ?? 0)}
      <KillSwitchBanner tenantId={tenant} switches={attention?.engagedSwitches ?? []} />
    </>
  );
}

function ShellFrame({
  user,
  tenant,
  children,
}: {
  user: SessionUser;
  tenant: string | null;
  children: ReactNode;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname() ?? "";
  const me = useQuery(trpc.me.get.queryOptions());
  const membership = me.data?.memberships.find((m) => m.tenantId === tenant);

  return (
    <div className="flex min-h-screen flex-col">
      <SkipLink />
      <header className="sticky top-0 z-20 border-b border-line bg-surface/90 backdrop-blur">
        <div className="mx-auto flex max-w-[1800px] flex-wrap items-center gap-3 px-4 py-2.5">
          <Link href="/dashboard" className="flex items-center gap-2 font-semibold text-white">
            <ShieldMark className="h-6 w-6" />
            ExoArmur
          </Link>
          <TenantSwitcher
            current={membership ? `${membership.tenantName} (${membership.tenantId})` : "Choose a tenant"}
            tenants={me.data?.memberships ?? []}
            hrefFor={(id) => {
              const rest = tenant ? pathname.replace(/^\/t\/[^/]+\/?([^/]*).*$/, "$1") : "";
              return `/t/${encodeURIComponent(id)}/${rest || "decisions"}`;
            }}
          />
          {membership && (
            <Badge tone={membership.role === "auditor" ? "sky" : "emerald"}>{membership.role}</Badge>
          )}
          {membership?.tenantStatus === "suspended" && <Badge tone="rose">suspended</Badge>}
          <nav aria-label="Platform" className="ml-auto flex items-center gap-1 text-sm">
            {user.platformAdmin && (
              <Link className={navClass(pathname.startsWith("/tenants"))} href="/tenants">
                Tenants
              </Link>
            )}
            <Link
              className={navClass(/^(\/t\/[^/]+)?\/verify/.test(pathname))}
              href={tenant ? `/t/${encodeURIComponent(tenant)}/verify` : "/verify"}
            >
              Verify evidence
            </Link>
          </nav>
          <div className="flex items-center gap-2 text-sm">
            <DisplayZoneToggle />
            <span className="hidden text-slate-400 md:inline" title={user.email}>
              {user.name}
            </span>
            <Button
              tone="ghost"
              onClick={async () => {
                await authClient.signOut();
                router.replace("/sign-in");
                router.refresh();
              }}
            >
              Sign out
            </Button>
          </div>
        </div>
        {tenant && (
          <TenantAttention tenant={tenant}>
            {(pendingApprovals) => (
              <TabStrip>
                {TENANT_PAGES.filter((p) => !p.admin || membership?.role === "admin").map((p) => {
                  const href = `/t/${encodeURIComponent(tenant)}/${p.segment}`;
                  const active = pathname.startsWith(href);
                  const count = p.segment === "approvals" ? pendingApprovals : 0;
                  return (
                    <Link
                      key={p.segment}
                      href={href}
                      aria-current={active ? "page" : undefined}
                      className={navClass(active)}
                    >
                      {p.label}
                      {count > 0 && (
                        <span
                          data-testid="pending-approvals-count"
                          className="ml-1.5 rounded-full bg-amber-400 px-1.5 py-0.5 text-xs font-semibold text-slate-950"
                        >
                          {count}
                          <span className="sr-only"> pending</span>
                        </span>
                      )}
                    </Link>
                  );
                })}
              </TabStrip>
            )}
          </TenantAttention>
        )}
      </header>
      <main
        id="main"
        tabIndex={-1}
        className={`mx-auto w-full min-w-0 max-w-[1800px] flex-1 px-4 py-6 ${MAIN_FOCUS}`}
      >
        {children}
      </main>
    </div>
  );
}

/**
 * The tenant's tabs in one row that scrolls sideways on a narrow screen. A fade with an arrow at
 * either edge says more tabs are off-screen there (and goes when that end is reached); tabs snap
 * into place, and the current one is scrolled into view.
 */
function TabStrip({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLElement>(null);
  const [more, setMore] = useState({ start: false, end: false });
  useEffect(() => {
    const nav = ref.current;
    if (!nav) return;
    const measure = () => {
      const start = nav.scrollLeft > 1;
      const end = nav.scrollLeft + nav.clientWidth < nav.scrollWidth - 1;
      setMore((m) => (m.start === start && m.end === end ? m : { start, end }));
    };
    nav.querySelector('[aria-current="page"]')?.scrollIntoView({ block: "nearest", inline: "nearest" });
    measure();
    nav.addEventListener("scroll", measure, { passive: true });
    const observer = new ResizeObserver(measure);
    observer.observe(nav);
    return () => {
      nav.removeEventListener("scroll", measure);
      observer.disconnect();
    };
  }, []);
  return (
    <div className="relative mx-auto max-w-[1800px]">
      <nav
        ref={ref}
        aria-label="Tenant pages"
        className="flex snap-x snap-mandatory scroll-px-4 gap-1 overflow-x-auto px-4 pb-2 text-sm [scrollbar-width:none]"
      >
        {children}
      </nav>
      {more.start && <MoreTabs side="start" />}
      {more.end && <MoreTabs side="end" />}
    </div>
  );
}

/** The fade and arrow at an edge of the tab strip behind which more tabs are hidden. */
function MoreTabs({ side }: { side: "start" | "end" }) {
  const place =
    side === "start"
      ? "left-0 justify-start bg-gradient-to-r pl-1"
      : "right-0 justify-end bg-gradient-to-l pr-1";
  return (
    <span
      aria-hidden
      data-testid={`tabs-more-${side}`}
      className={`pointer-events-none absolute inset-y-0 flex w-10 items-center from-surface to-transparent pb-2 text-slate-300 ${place}`}
    >
      {side === "start" ? "‹" : "›"}
    </span>
  );
}

function navClass(active: boolean) {
  return `shrink-0 snap-start whitespace-nowrap rounded-md px-2.5 py-1.5 focus-visible:outline-2 focus-visible:outline-emerald-400 ${
    active ? "bg-slate-800 text-white" : "text-slate-400 hover:bg-slate-800/60 hover:text-slate-200"
  }`;
}

/**
 * Tenant switcher: a disclosure with one link per tenant. (A <select> that navigates on change
 * would jump on every arrow key in some browsers.)
 */
function TenantSwitcher({
  current,
  tenants,
  hrefFor,
}: {
  current: string;
  tenants: { tenantId: string; tenantName: string; role: string }[];
  hrefFor: (tenantId: string) => string;
}) {
  const ref = useRef<HTMLDetailsElement>(null);
  const pathname = usePathname();
  // Close after navigating.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every route change on purpose
  useEffect(() => {
    if (ref.current) ref.current.open = false;
  }, [pathname]);
  return (
    <details ref={ref} className="relative ml-2">
      <summary
        aria-label={`Tenant: ${current}`}
        className="flex cursor-pointer list-none items-center gap-2 rounded-md border border-line bg-surface-raised px-2.5 py-1 text-sm text-slate-100 focus-visible:outline-2 focus-visible:outline-emerald-400"
      >
        <span className="text-xs text-slate-400">Tenant</span> {current} <span aria-hidden>▾</span>
      </summary>
      <nav
        aria-label="Tenants"
        className="absolute left-0 z-30 mt-1 max-h-96 min-w-64 overflow-auto rounded-md border border-line bg-surface-raised p-1 shadow-xl"
      >
        {tenants.length === 0 ? (
          <p className="px-2 py-1.5 text-sm text-slate-400">No tenants</p>
        ) : (
          <ul>
            {tenants.map((t) => (
              <li key={t.tenantId}>
                <Link
                  href={hrefFor(t.tenantId)}
                  className="flex justify-between gap-4 rounded px-2 py-1.5 text-sm text-slate-200 hover:bg-slate-800 focus-visible:outline-2 focus-visible:outline-emerald-400"
                >
                  <span>
                    {t.tenantName} <span className="text-slate-500">({t.tenantId})</span>
                  </span>
                  <span className="text-xs text-slate-500">{t.role}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </nav>
    </details>
  );
}
