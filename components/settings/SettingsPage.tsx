"use client";

import { useTenantAccess } from "@/components/shell/tenant-access";
import { Card, Loading, PageHeader } from "@/components/ui";
import { ApiKeysSection } from "./ApiKeysSection";
import { GeneralSection } from "./GeneralSection";
import { MembersSection } from "./MembersSection";
import { NotificationsSection } from "./NotificationsSection";
import { PolicyReviewSection } from "./PolicyReviewSection";

/** Tenant settings: name and limits, API keys, members. Tenant admins only (the server checks too). */
export function SettingsPage() {
  const access = useTenantAccess();
  const { tenantId } = access;

  const header = (
    <PageHeader
      title="Settings"
      description={
        <>
          Name, admission limits, API keys and members of tenant{" "}
          <span className="font-mono text-slate-300">{tenantId}</span>. Every change is recorded in the
          tenant's hash chain.
        </>
      }
    />
  );

  if (access.loading)
    return (
      <div>
        {header}
        <Loading label="Loading your access…" />
      </div>
    );

  if (!access.isAdmin)
    return (
      <div>
        {header}
        <Card title="Tenant admins only">
          <p className="text-sm text-slate-300" role="note">
            {access.role
              ? `Only tenant admins can change the name, limits, API keys and members of ${tenantId}. You are an ${access.role} here.`
              : `You are not a member of ${tenantId}, so you cannot see or change its settings.`}
          </p>
          {access.role && (
            <p className="mt-2 text-sm text-slate-400">
              Ask an admin of this tenant if something needs to change.
            </p>
          )}
        </Card>
      </div>
    );

  return (
    <div className="flex flex-col gap-6">
      {header}
      <div className="grid grid-cols-1 gap-6 xl:grid-cols-[minmax(0,2fr)_minmax(0,3fr)]">
        <div className="flex flex-col gap-6">
          <GeneralSection
            key={`general:${tenantId}`}
            tenantId={tenantId}
            platformAdmin={access.platformAdmin}
          />
          <PolicyReviewSection
            key={`review:${tenantId}`}
            tenantId={tenantId}
            platformAdmin={access.platformAdmin}
          />
        </div>
        <MembersSection key={`members:${tenantId}`} tenantId={tenantId} selfId={access.user?.id ?? null} />
      </div>
      <ApiKeysSection key={`keys:${tenantId}`} tenantId={tenantId} />
      <NotificationsSection key={`notifications:${tenantId}`} tenantId={tenantId} />
    </div>
  );
}
