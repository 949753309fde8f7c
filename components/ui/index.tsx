"use client";

import { type ButtonHTMLAttributes, type ReactNode, useEffect, useId, useRef, useState } from "react";

export { ScrollRegion } from "./scroll-region";
export { MAIN_FOCUS, SkipLink } from "./skip-link";
export { ACTIONS_COLUMN, Cell, type Column, Row, Table } from "./table";
export { DisplayZoneToggle, Time, useDisplayZone } from "./time";

/** Small shared building blocks for dashboard pages: one look, labelled and keyboard-usable. */

type Tone = "primary" | "danger" | "neutral" | "ghost";
const tones: Record<Tone, string> = {
  primary: "bg-emerald-500 text-slate-950 hover:bg-emerald-400 focus-visible:outline-emerald-300",
  danger: "bg-rose-600 text-white hover:bg-rose-700 focus-visible:outline-rose-300",
  neutral:
    "border border-line bg-surface-raised text-slate-200 hover:bg-slate-800 focus-visible:outline-slate-400",
  ghost: "text-slate-300 hover:bg-slate-800 focus-visible:outline-slate-400",
};

export function Button({
  tone = "neutral",
  className = "",
  ...props
}: ButtonHTMLAttributes<HTMLButtonElement> & { tone?: Tone }) {
  return (
    <button
      type="button"
      {...props}
      className={`inline-flex items-center justify-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium transition focus-visible:outline-2 focus-visible:outline-offset-2 disabled:cursor-not-allowed disabled:opacity-50 ${tones[tone]} ${className}`}
    />
  );
}

export function Card({
  title,
  actions,
  children,
  className = "",
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section className={`min-w-0 rounded-xl border border-line bg-surface-raised/70 ${className}`}>
      {(title || actions) && (
        <header className="flex flex-wrap items-center justify-between gap-2 border-b border-line px-4 py-3">
          {title && <h2 className="text-sm font-semibold text-slate-100">{title}</h2>}
          {actions}
        </header>
      )}
      <div className="p-4">{children}</div>
    </section>
  );
}

export function PageHeader({
  title,
  subtitle,
  description,
  actions,
}: {
  title: string;
  /** A line right under the title, as prominent as the page needs (a decision's outcome). */
  subtitle?: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 className="break-words text-xl font-semibold text-white">{title}</h1>
        {subtitle && <div className="mt-1">{subtitle}</div>}
        {description && <p className="mt-1 max-w-3xl text-sm text-slate-400">{description}</p>}
      </div>
      {actions}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div role="status" aria-live="polite" className="flex items-center gap-2 py-8 text-sm text-slate-400">
      <span
        className="h-3 w-3 animate-spin rounded-full border-2 border-slate-500 border-t-transparent"
        aria-hidden
      />
      {label}
    </div>
  );
}

/** A failed query or mutation: what went wrong, in the server's words, and the field when it named one. */
export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const e = error as {
    message?: string;
    data?: { code?: string; fields?: { path: string; message: string }[] | null };
  };
  const code = e?.data?.code ?? "";
  // An expected refusal (a duplicate, the last admin, not allowed…): the server's own sentence says
  // what happened; trying again would change nothing. Anything else is a failure worth retrying.
  const refusal = EXPECTED_REFUSALS[code];
  const message = e?.message ?? String(error);
  return (
    <div
      role="alert"
      data-code={code || undefined}
      className="rounded-lg border border-rose-500/40 bg-rose-500/10 p-4 text-sm text-rose-200"
    >
      {refusal ? (
        <>
          <p className="font-semibold">{refusal}</p>
          <p className="mt-1">{capitalize(message)}</p>
        </>
      ) : (
        <>
          <p className="font-semibold">Something went wrong</p>
          <p className="mt-1">{message}</p>
        </>
      )}
      <FieldErrors error={error} />
      {retry && (!refusal || code === "TOO_MANY_REQUESTS") && (
        <Button className="mt-3" onClick={retry}>
          Try again
        </Button>
      )}
    </div>
  );
}

/** tRPC codes of expected 4xx answers, and the heading each gets above the server's message. */
const EXPECTED_REFUSALS: Record<string, string> = {
  BAD_REQUEST: "Not accepted",
  CONFLICT: "Not done",
  FORBIDDEN: "Not allowed",
  UNAUTHORIZED: "Sign in first",
  NOT_FOUND: "Not found",
  PRECONDITION_FAILED: "Not done",
  TOO_MANY_REQUESTS: "Too many requests",
  PAYLOAD_TOO_LARGE: "Too large",
};

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function FieldErrors({ error }: { error: unknown }) {
  const fields = (error as { data?: { fields?: { path: string; message: string }[] | null } })?.data?.fields;
  if (!fields?.length) return null;
  return (
    <ul className="mt-2 list-disc pl-5 font-mono text-xs">
      {fields.map((f) => (
        <li key={`${f.path}:${f.message}`}>
          {f.path || "(body)"}: {f.message}
        </li>
      ))}
    </ul>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-line p-8 text-center">
      <p className="text-sm font-medium text-slate-200">{title}</p>
      {children && <div className="mt-1 text-sm text-slate-400">{children}</div>}
    </div>
  );
}

export function Badge({
  children,
  tone = "slate",
}: {
  children: ReactNode;
  tone?: "slate" | "emerald" | "amber" | "rose" | "sky";
}) {
  const t = {
    slate: "border-slate-500/40 bg-slate-500/10 text-slate-300",
    emerald: "border-emerald-400/40 bg-emerald-400/10 text-emerald-300",
    amber: "border-amber-400/40 bg-amber-400/10 text-amber-200",
    rose: "border-rose-400/40 bg-rose-400/10 text-rose-300",
    sky: "border-sky-400/40 bg-sky-400/10 text-sky-300",
  }[tone];
  return (
    <span className={`inline-flex items-center rounded-md border px-2 py-0.5 font-mono text-xs ${t}`}>
      {children}
    </span>
  );
}

export function TextField({
  label,
  hint,
  error,
  ...props
}: React.InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string; error?: string | null }) {
  const id = useId();
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={props.id ?? id} className="text-xs font-medium text-slate-300">
        {label}
      </label>
      <input
        id={props.id ?? id}
        aria-invalid={error ? true : undefined}
        aria-describedby={error || hint ? `${props.id ?? id}-hint` : undefined}
        {...props}
        className={`rounded-md border bg-surface px-2.5 py-1.5 text-sm text-slate-100 placeholder:text-slate-500 focus:outline-2 focus:outline-emerald-400 ${error ? "border-rose-500" : "border-line"} ${props.className ?? ""}`}
      />
      {(error || hint) && (
        <p id={`${props.id ?? id}-hint`} className={`text-xs ${error ? "text-rose-300" : "text-slate-500"}`}>
          {error ?? hint}
        </p>
      )}
    </div>
  );
}

/**
 * A modal confirmation (a native <dialog>: focus stays inside, Escape cancels). The server's answer,
 * when it refuses, is shown inside the dialog so the user sees why. `children` go into the form
 * (e.g. a reason field); `confirmDisabled` holds the confirm button until they are filled in.
 */
export function ConfirmDialog({
  open,
  title,
  description,
  children,
  confirmLabel,
  confirmDisabled,
  tone = "danger",
  pending,
  error,
  onConfirm,
  onCancel,
  wide = false,
}: {
  open: boolean;
  title: string;
  description?: ReactNode;
  children?: ReactNode;
  confirmLabel: string;
  confirmDisabled?: boolean;
  tone?: Tone;
  pending?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onCancel: () => void;
  /** For a confirmation that shows a review (a diff, a simulation): wider, and scrolls inside. */
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    else if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
      aria-labelledby={`${id}-title`}
      aria-describedby={description ? `${id}-description` : undefined}
      className={`m-auto w-full rounded-xl border border-line bg-surface-raised p-0 text-slate-200 backdrop:bg-black/60 ${
        wide ? "max-h-[90vh] max-w-3xl overflow-y-auto" : "max-w-md"
      }`}
    >
      <form
        className="flex flex-col gap-4 p-5"
        onSubmit={(e) => {
          e.preventDefault();
          if (!confirmDisabled) onConfirm();
        }}
      >
        <h2 id={`${id}-title`} className="text-base font-semibold text-white">
          {title}
        </h2>
        {description && (
          <div id={`${id}-description`} className="text-sm text-slate-400">
            {description}
          </div>
        )}
        {children}
        {error ? <ErrorState error={error} /> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={onCancel}>Cancel</Button>
          <Button type="submit" tone={tone} disabled={confirmDisabled || pending}>
            {pending ? "Working…" : confirmLabel}
          </Button>
        </div>
      </form>
    </dialog>
  );
}

/** A confirmation that asks for a reason (kill switches, denials): recorded with the change. */
export function ConfirmWithReason({
  open,
  onConfirm,
  ...props
}: Omit<Parameters<typeof ConfirmDialog>[0], "onConfirm" | "children" | "confirmDisabled"> & {
  onConfirm: (reason: string) => void;
}) {
  const [reason, setReason] = useState("");
  const id = useId();
  useEffect(() => {
    if (open) setReason("");
  }, [open]);
  return (
    <ConfirmDialog
      {...props}
      open={open}
      confirmDisabled={!reason.trim()}
      onConfirm={() => onConfirm(reason.trim())}
    >
      <div className="flex flex-col gap-1">
        <label htmlFor={`${id}-reason`} className="text-xs font-medium text-slate-300">
          Reason (required, recorded in the chain)
        </label>
        <textarea
          id={`${id}-reason`}
          required
          rows={3}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          className="rounded-md border border-line bg-surface px-2.5 py-1.5 text-sm text-slate-100 focus:outline-2 focus:outline-emerald-400"
        />
      </div>
    </ConfirmDialog>
  );
}
