"use client";

import { type DragEvent, useId, useMemo, useState } from "react";
import { Button, Card, PageHeader, TextField } from "@/components/ui";
import { VerifyResult } from "./VerifyResult";
import { decodeBundleBytes, parsePinnedKey, verifyText } from "./verify-text";

/** What is being checked: the bundle's text and where it came from (a file name, or "pasted JSON"). */
interface Input {
  text: string;
  source: string;
}

const PASTED = "pasted JSON";

/**
 * The in-browser `exoarmur verify`. The bundle never leaves the page: it is read with the File API
 * and checked by the pure core (noble SHA-256 and Ed25519), with no request to the server — so an
 * auditor gets the same verdict the offline CLI gives, without installing it.
 */
export function VerifyEvidence() {
  const ids = useId();
  const [input, setInput] = useState<Input | null>(null);
  const [pasted, setPasted] = useState("");
  const [pin, setPin] = useState("");
  const [dragging, setDragging] = useState(false);
  const [reading, setReading] = useState(false);
  const [readError, setReadError] = useState<string | null>(null);

  const pinCheck = parsePinnedKey(pin);
  // Re-checked whenever the input or the pinned key changes: pinning a key after dropping a file works.
  const outcome = useMemo(
    () => (input ? verifyText(input.text, input.source, { publicKey: pin }) : null),
    [input, pin],
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
            recorded input, every hash, chain link and approval vote is recomputed and the signature is
            checked. The file is not uploaded — nothing is sent to the server. Same checks and verdict as{" "}
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
              label="Pin the server's public key (optional)"
              hint="64 hex digits, obtained out of band (like --public-key): the bundle must be signed by this key. Left empty, the key embedded in the bundle is used and the result is not trusted."
              error={pinCheck.ok ? null : pinCheck.message}
              value={pin}
              onChange={(e) => setPin(e.target.value)}
              spellCheck={false}
              autoComplete="off"
              placeholder="64 hex digits"
              className="font-mono text-xs"
            />
          </div>
        </Card>

        <div aria-live="polite" className="flex flex-col gap-3">
          {reading ? (
            <p role="status" className="text-sm text-slate-400">
              Reading the file…
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
            <VerifyResult outcome={outcome} />
          ) : (
            <div className="rounded-xl border border-dashed border-line p-8 text-center text-sm text-slate-400">
              The result appears here. Try one of the example bundles in{" "}
              <code className="font-mono text-slate-300">docs/examples/</code>.
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
