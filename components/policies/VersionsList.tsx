"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import type { PolicyVersions } from "@/components/trpc/types";
import {
  ACTIONS_COLUMN,
  Badge,
  Button,
  Card,
  Cell,
  ConfirmDialog,
  EmptyState,
  Row,
  Table,
  Time,
} from "@/components/ui";

/** Every stored version, newest first; admins may re-activate an older one (after confirming). */
export function VersionsList({
  data,
  isAdmin,
  role,
  onOpenInEditor,
}: {
  data: PolicyVersions;
  isAdmin: boolean;
  role: string | null;
  onOpenInEditor: (version: number) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { tenantId, versions, activeVersion } = data;
  const [confirming, setConfirming] = useState<number | null>(null);
  const [done, setDone] = useState<number | null>(null);
  const activate = useMutation(
    trpc.policies.activate.mutationOptions({
      onSuccess: async (result) => {
        setConfirming(null);
        setDone(result.version);
        await queryClient.invalidateQueries({ queryKey: trpc.policies.versions.queryKey({ tenantId }) });
      },
    }),
  );
  const target = versions.find((v) => v.version === confirming);

  return (
    <Card title={`Versions (${versions.length})`}>
      {!isAdmin && role && (
        <p className="mb-3 text-xs text-slate-400">
          Only tenant admins can activate a version; you are <span className="text-slate-200">{role}</span>.
        </p>
      )}
      {done !== null && (
        <p role="status" className="mb-3 text-sm text-emerald-300">
          Version {done} is now active.
        </p>
      )}
      {versions.length === 0 ? (
        <EmptyState title="No policy yet">
          Without a policy every intent is denied (no rule matches: fail closed).
          {isAdmin ? " Write one in the editor below and save it." : ""}
        </EmptyState>
      ) : (
        <Table
          caption="Policy versions, newest first"
          columns={["Version", "Hash", "Created", ACTIONS_COLUMN]}
        >
          {versions.map((v) => (
            <Row key={v.version} id={`version-${v.version}`} className="scroll-mt-32 align-top">
              <Cell>
                <div className="flex items-center gap-2">
                  <span className="font-mono text-slate-100">v{v.version}</span>
                  {v.active && <Badge tone="emerald">active</Badge>}
                </div>
              </Cell>
              <Cell>
                <code className="font-mono text-xs text-slate-400" title={v.hash}>
                  {v.hash.slice(0, 12)}
                </code>
              </Cell>
              <Cell className="text-xs text-slate-400">
                <div className="break-all text-slate-300" title={v.createdBy}>
                  {v.createdByName}
                </div>
                <Time at={v.createdAt} />
              </Cell>
              <Cell>
                <div className="flex flex-wrap justify-end gap-1.5">
                  <Button
                    tone="ghost"
                    className="px-2 py-1 text-xs"
                    onClick={() => onOpenInEditor(v.version)}
                  >
                    Edit copy<span className="sr-only"> of version {v.version}</span>
                  </Button>
                  <Link
                    href={`/t/${encodeURIComponent(tenantId)}/replay?version=${v.version}`}
                    aria-label={`Replay history under version ${v.version}`}
                    className="rounded-md px-2 py-1 text-xs font-medium text-slate-300 hover:bg-slate-800 focus-visible:outline-2 focus-visible:outline-emerald-400"
                  >
                    Replay
                  </Link>
                  {isAdmin && !v.active && (
                    <Button
                      className="px-2 py-1 text-xs"
                      aria-label={`Activate version ${v.version}`}
                      onClick={() => {
                        activate.reset();
                        setConfirming(v.version);
                      }}
                    >
                      Activate
                    </Button>
                  )}
                </div>
              </Cell>
            </Row>
          ))}
        </Table>
      )}
      <ConfirmDialog
        open={confirming !== null}
        title={`Activate version ${confirming ?? ""}?`}
        confirmLabel="Activate"
        pending={activate.isPending}
        error={activate.error}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          if (confirming !== null) activate.mutate({ tenantId, version: confirming });
        }}
      >
        {target && (
          <p>
            Every new intent of <span className="font-mono text-slate-200">{tenantId}</span> will be decided
            by version {target.version} (hash <code className="font-mono">{target.hash.slice(0, 12)}</code>)
            {activeVersion !== null ? ` instead of version ${activeVersion}` : ""}. Decisions already made
            keep the version they were made under. Consider a replay first to see what would change.
          </p>
        )}
      </ConfirmDialog>
    </Card>
  );
}
