"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
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
  ConfirmWithReason,
  EmptyState,
  Row,
  Table,
  Time,
} from "@/components/ui";

/**
 * Every stored version, newest first, with its author's note; admins may re-activate an older one
 * (after confirming). Under four eyes a proposed version waits here for another admin to activate
 * or reject it; its author sees why they cannot.
 */
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
  const me = useQuery(trpc.me.get.queryOptions());
  const myLabel = me.data ? `user:${me.data.user.id}` : null;
  const [rejecting, setRejecting] = useState<number | null>(null);
  const reject = useMutation(
    trpc.policies.reject.mutationOptions({
      onSuccess: async () => {
        setRejecting(null);
        await queryClient.invalidateQueries({ queryKey: trpc.policies.versions.queryKey({ tenantId }) });
      },
    }),
  );

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
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-mono text-slate-100">v{v.version}</span>
                  {v.active && <Badge tone="emerald">active</Badge>}
                  {v.review === "PENDING" && <Badge tone="amber">awaiting review</Badge>}
                  {v.review === "REJECTED" && <Badge tone="rose">rejected</Badge>}
                </div>
                {v.note && (
                  <p className="mt-1 max-w-xs break-words text-xs text-slate-300" data-testid="version-note">
                    “{v.note}”
                  </p>
                )}
                {v.reviewedByName && (
                  <p className="mt-1 text-xs text-slate-400">
                    {v.review === "REJECTED" ? "Rejected" : "Approved"} by {v.reviewedByName}
                  </p>
                )}
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
                  {isAdmin && !v.active && v.review !== "REJECTED" && (
                    <Button
                      className="px-2 py-1 text-xs"
                      aria-label={`Activate version ${v.version}`}
                      // Four eyes: the server refuses the author too; the button says so first.
                      disabled={data.fourEyes && v.author === myLabel}
                      title={
                        data.fourEyes && v.author === myLabel
                          ? "You wrote this version: another admin must activate it"
                          : undefined
                      }
                      onClick={() => {
                        activate.reset();
                        setConfirming(v.version);
                      }}
                    >
                      Activate
                    </Button>
                  )}
                  {isAdmin && v.review === "PENDING" && (
                    <Button
                      tone="danger"
                      className="px-2 py-1 text-xs"
                      aria-label={`${v.author === myLabel ? "Withdraw" : "Reject"} version ${v.version}`}
                      onClick={() => {
                        reject.reset();
                        setRejecting(v.version);
                      }}
                    >
                      {v.author === myLabel ? "Withdraw" : "Reject"}
                    </Button>
                  )}
                </div>
                {isAdmin && data.fourEyes && v.review === "PENDING" && v.author === myLabel && (
                  <p className="mt-1 text-right text-xs text-slate-400">
                    You wrote it: another admin activates it.
                  </p>
                )}
              </Cell>
            </Row>
          ))}
        </Table>
      )}
      <ConfirmWithReason
        open={rejecting !== null}
        title={`Reject version ${rejecting ?? ""}?`}
        confirmLabel="Reject"
        pending={reject.isPending}
        error={reject.error}
        onCancel={() => setRejecting(null)}
        onConfirm={(reason) => {
          if (rejecting !== null) reject.mutate({ tenantId, version: rejecting, reason });
        }}
      />
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
        {target?.note && (
          <p className="text-sm">
            Its author’s note: <span className="text-slate-100">“{target.note}”</span>
          </p>
        )}
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
