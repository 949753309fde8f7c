"use client";

import { useQuery } from "@tanstack/react-query";
import { type DragEvent, useEffect, useId, useMemo, useState } from "react";
import { useTRPC } from "@/components/trpc/client";
import type { RouterOutputs } from "@/components/trpc/types";
import { Badge, Button, Card, PageHeader, TextField } from "@/components/ui";
import { VerifyResult } from "./VerifyResult";
import { decodeBundleBytes, parseTrustedKeys, verifyText } from "./verify-text";

type PublishedKey = RouterOutputs["signingKeys"]["list"]["keys"][number];
const NO_KEYS: readonly PublishedKey[] = [];

/** What is being checked: the bundle's text and where it came from (a file name, or "pasted JSON"). */
interface Input {
  text: string;
  source: string;
}

const PASTED = "pasted JSON";

/**
 * The in-browser `exoarmur verify`. The bundle never leaves the page: it is read with the File API
 * and checked by the pure core (noble SHA-256 and Ed25519) — so an auditor gets the verdict the
 * offline CLI gives, without installing it. The one request is for the server's published signing
 * keys (current and retired), which are trusted like `--trusted-keys`, with any key the user pastes.
 */
export function VerifyEvidence({
  fromDecision,
}: {
  fromDecision?: { tenantId: string; decisionId: string };
}) {
  const ids = useId();
  const trpc = useTRPC();
  const [input, setInput] = useState<Input | null>(null);
  // "Verify this bundle" from a decision: its evidence, exported by the server, checked here like a file.
  const exported = useQuery({
    ...trpc.decisions.evidence.queryOptions(fromDecision ?? { tenantId: "", decisionId: "" }),
    enabled: fromDecision !== undefined,
  });
  useEffect(() => {
    if (exported.data && fromDecision)
      setInput({ text: JSON.stringify(exported.data), source: `evidence of ${fromDecision.decisionId}` });
  }, [exported.data, fromDecision]);
  const [pasted, setPasted] = useState("");
  const [keysText, setKeysText] = useState("");
  const [dragging, setDragging] = useState(false);
  const [reading, setReading] = useState(false);
  const [readError, setReadError] = useState<string | null>(null);

  const published = useQuery(trpc.signingKeys.list.queryOptions(undefined, { staleTime: 60_000 }));
  const serverKeys = published.data?.keys ?? NO_KEYS;
  const keysCheck = useMemo(() => parseTrustedKeys(keysText), [keysText]);
  // Why each trusted key is trusted, for the result's "Signed by" badge.
  const trustedBy = useMemo(() => {
    const why = new Map<string, string>();
    if (keysCheck.ok) for (const key of keysCheck.keys) why.set(key, "a key you pasted");
    for (const key of serverKeys)
      why.set(key.publicKey, key.active ? "this server's signing key" : "this server's key, retired");
    return why;
  }, [serverKeys, keysCheck]);
  // Re-checked whenever the input or a trusted key changes: pasting a key after dropping a file works.
  const outcome = useMemo(
    () =>
      input
        ? verifyText(input.text, input.source, {
            trustedKeys: serverKeys.map((key) => key.publicKey),
            pastedKeys: keysText,
          })
        : null,
    [input, serverKeys, keysText],
  );

  async function readFile(file: File) {
    setReading(true);
    setReadError(null);
    try {
      setInput({ text: decodeBundleBytes(await file.arrayBuffer()), source: file.name });
    } catch (error) {
      setInput(null);
      setReadError(`cannot read ${file.name}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setReading(false);
    }
  }

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file) {
      void readFile(file);
      return;
    }
    const dropped = event.dataTransfer.getData("text/plain");
    if (dropped) {
      setPasted(dropped);
      setInput({ text: dropped, source: PASTED });
    }
  }

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Verify evidence"
        description={
          <>
            Check an exported evidence bundle right here, in your browser: the decision is re-run from its
            recorded input, every hash, chain link and approval vote is recomputed, and the signature must
            hold for a key you trust — this server's published signing keys, or one you paste. The file is not
            uploaded. Same checks and verdict as{" "}
            <code className="font-mono text-slate-300">exoarmur verify</code>.
          </>
        }
      />

      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Bundle">
          <div className="flex flex-col gap-5">
            {/* biome-ignore lint/a11y/noStaticElementInteractions: the drop target is a convenience; the file input inside it is the keyboard path */}
            <div
              onDragEnter={(e) => {
                e.preventDefault();
                setDragging(true);
              }}
              onDragOver={(e) => {
                e.preventDefault();
                e.dataTransfer.dropEffect = "copy";
              }}
              onDragLeave={(e) => {
                if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
              }}
              onDrop={onDrop}
              data-testid="verify-dropzone"
              className={`flex flex-col items-center gap-3 rounded-lg border-2 border-dashed px-4 py-8 text-center transition ${
                dragging ? "border-emerald-400 bg-emerald-400/5" : "border-line"
              }`}
            >
              <p className="text-sm text-slate-300">Drop an evidence bundle (.json) here, or</p>
              <label htmlFor={`${ids}-file`} className="text-xs font-medium text-slate-300">
                Evidence bundle file
              </label>
              <input
                id={`${ids}-file`}
                type="file"
                accept="application/json,.json"
                onChange={(e) => {
                  const file = e.currentTarget.files?.[0];
                  if (file) void readFile(file);
                  // Choosing the same file again (after editing it) must fire change again.
                  e.currentTarget.value = "";
                }}
                className="max-w-full text-sm text-slate-400 file:mr-3 file:rounded-md file:border file:border-line file:bg-surface file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-200 hover:file:bg-slate-800 focus-visible:outline-2 focus-visible:outline-emerald-400"
              />
            </div>

            <form
              className="flex flex-col gap-2"
              onSubmit={(e) => {
                e.preventDefault();
                setReadError(null);
                setInput({ text: pasted, source: PASTED });
              }}
            >
              <label htmlFor={`${ids}-paste`} className="text-xs font-medium text-slate-300">
                Or paste the bundle's JSON
              </label>
              <textarea
                id={`${ids}-paste`}
                rows={6}
                spellCheck={false}
                value={pasted}
                onChange={(e) => setPasted(e.target.value)}
                placeholder='{"schema": "exoarmur.evidence.v1", …}'
                className="rounded-md border border-line bg-surface px-2.5 py-1.5 font-mono text-xs text-slate-100 placeholder:text-slate-500 focus:outline-2 focus:outline-emerald-400"
              />
              <div className="flex gap-2">
                <Button type="submit" tone="primary" disabled={pasted.trim() === ""}>
                  Verify pasted JSON
                </Button>
                <Button
                  onClick={() => {
                    setInput(null);
                    setPasted("");
                    setReadError(null);
                  }}
                  disabled={!input && pasted === "" && !readError}
                >
                  Clear
                </Button>
              </div>
            </form>

            <TextField
              label="Also trust these public keys (optional)"
              hint="64 hex digits each, separated by spaces or commas, obtained out of band (like --public-key): e.g. another server's signing key."
              error={keysCheck.ok ? null : keysCheck.message}
              value={keysText}
              onChange={(e) => setKeysText(e.target.value)}
              spellCheck={false}
              autoComplete="off"
              placeholder="64 hex digits"
              className="font-mono text-xs"
            />
            <TrustedServerKeys
              keys={serverKeys}
              pending={published.isPending}
              error={published.isError ? published.error.message : null}
            />
          </div>
        </Card>

        <div aria-live="polite" className="flex flex-col gap-3">
          {reading ? (
            <p role="status" className="text-sm text-slate-400">
              Reading the file…
            </p>
          ) : input && published.isPending ? (
            // No verdict before the trusted keys are known: "not trusted" would flash for a genuine bundle.
            <p role="status" className="text-sm text-slate-400">
              Fetching the server's signing keys…
            </p>
          ) : readError ? (
            <div
              role="alert"
              data-testid="verify-result"
              data-outcome="unreadable"
              className="rounded-xl border border-rose-500/40 bg-rose-500/10 p-4 text-sm text-rose-200"
            >
              <h2 className="text-base font-semibold text-rose-100">Failed: unreadable input</h2>
              <p className="mt-1 break-words">{readError}</p>
            </div>
          ) : outcome ? (
            <VerifyResult outcome={outcome} trustedBy={trustedBy} />
          ) : (
            <div className="rounded-xl border border-dashed border-line p-8 text-center text-sm text-slate-400">
              The result appears here. To get a bundle, open any decision and choose “Download evidence” (or
              “Verify this bundle” to check it here directly).
            </div>
          )}
        </div>
      </div>
    </div>
  );
}

/** The server's published keys the page trusts: the current one and the retired ones. */
function TrustedServerKeys({
  keys,
  pending,
  error,
}: {
  keys: readonly PublishedKey[];
  pending: boolean;
  error: string | null;
}) {
  return (
    <div className="flex flex-col gap-1" data-testid="trusted-server-keys">
      <p className="text-xs font-medium text-slate-300">Trusted: this server's signing keys</p>
      {pending ? (
        <p className="text-xs text-slate-500">Loading…</p>
      ) : error ? (
        <p role="alert" className="text-xs text-rose-300">
          Could not load them ({error}): only keys you paste are trusted.
        </p>
      ) : (
        <ul className="flex flex-col gap-1">
          {keys.map((key) => (
            <li key={key.keyId} className="flex flex-wrap items-center gap-2 text-xs">
              <code className="font-mono text-slate-300" title={`public key ${key.publicKey}`}>
                {key.keyId.slice(0, 16)}…
              </code>
              {key.active ? <Badge tone="emerald">current</Badge> : <Badge>retired</Badge>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
