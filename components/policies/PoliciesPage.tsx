"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { PolicyDiff } from "@/components/policies/PolicyDiff";
import { PolicyEditor } from "@/components/policies/PolicyEditor";
import { prettyJson } from "@/components/policies/types";
import { VersionsList } from "@/components/policies/VersionsList";
import { useTenantAccess } from "@/components/shell/tenant-access";
import { useTRPC } from "@/components/trpc/client";
import { ErrorState, Loading, PageHeader } from "@/components/ui";

/** Policy versions, the diff between two of them, and the editor (validate, simulate, save). */
export function PoliciesPage() {
  const { tenantId, role, isAdmin, loading } = useTenantAccess();
  const trpc = useTRPC();
  const versions = useQuery(trpc.policies.versions.queryOptions({ tenantId }));
  const [draft, setDraft] = useState<string | null>(null);

  return (
    <>
      <PageHeader
        title="Policies"
        description="Every applied document is an immutable version; one is active. Compare versions, and simulate a draft against recorded decisions before activating it."
      />
      {versions.isPending ? (
        <Loading label="Loading policy versions…" />
      ) : versions.isError ? (
        <ErrorState error={versions.error} retry={() => void versions.refetch()} />
      ) : (
        <div className="flex flex-col gap-6">
          <div className="grid grid-cols-1 gap-6 xl:grid-cols-[minmax(0,5fr)_minmax(0,7fr)]">
            <VersionsList
              data={versions.data}
              isAdmin={!loading && isAdmin}
              role={role}
              onOpenInEditor={(version) => {
                const v = versions.data.versions.find((x) => x.version === version);
                if (!v) return;
                setDraft(prettyJson(v.document));
                // Take keyboard users (and everyone's eyes) to the editor holding the copy.
                document.getElementById("policy-editor")?.scrollIntoView({ block: "start" });
                document.querySelector<HTMLTextAreaElement>("#policy-editor textarea")?.focus({
                  preventScroll: true,
                });
              }}
            />
            <PolicyDiff data={versions.data} />
          </div>
          <div id="policy-editor" className="scroll-mt-28">
            <PolicyEditor
              data={versions.data}
              isAdmin={!loading && isAdmin}
              role={role}
              draft={draft}
              setDraft={setDraft}
            />
          </div>
        </div>
      )}
    </>
  );
}
