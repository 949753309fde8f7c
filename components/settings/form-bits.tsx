"use client";

import { type ReactNode, type SelectHTMLAttributes, useId } from "react";
import { Button, ErrorState } from "@/components/ui";

/** Form helpers shared by the settings and tenants pages. */

type FieldError = { path: string; message: string };

/** The server's field errors (from a failed mutation). */
function serverFields(error: unknown): FieldError[] {
  return (error as { data?: { fields?: FieldError[] | null } } | null)?.data?.fields ?? [];
}

/** The message the server gave for one field (e.g. "name", "limits.burst"), if any. */
export function fieldError(error: unknown, path: string): string | null {
  return serverFields(error).find((f) => f.path === path)?.message ?? null;
}

/** A failed mutation whose field errors are not all shown next to a field in the form. */
export function hasUnplacedError(error: unknown, placed: readonly string[]): boolean {
  if (!error) return false;
  const fields = serverFields(error);
  return fields.length === 0 || fields.some((f) => !placed.includes(f.path));
}

/**
 * Reads a number input: empty → undefined (when optional) or an error; otherwise the number, or
 * an error for text that is not one. Ranges are the server's to check, so its messages stay the truth.
 */
export function readNumber(raw: string, required: boolean): { value?: number; error?: string } {
  const text = raw.trim();
  if (text === "") return required ? { error: "is required" } : {};
  const value = Number(text);
  if (!Number.isFinite(value)) return { error: "must be a number" };
  return { value };
}

export function SelectField({
  label,
  error,
  children,
  ...props
}: SelectHTMLAttributes<HTMLSelectElement> & { label: string; error?: string | null; children: ReactNode }) {
  const id = useId();
  const fieldId = props.id ?? id;
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={fieldId} className="text-xs font-medium text-slate-300">
        {label}
      </label>
      <select
        id={fieldId}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${fieldId}-error` : undefined}
        {...props}
        className={`rounded-md border bg-surface px-2.5 py-1.5 text-sm text-slate-100 focus:outline-2 focus:outline-emerald-400 ${error ? "border-rose-500" : "border-line"} ${props.className ?? ""}`}
      >
        {children}
      </select>
      {error && (
        <p id={`${fieldId}-error`} className="text-xs text-rose-300">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * The small form under a settings list (create a key, add a member): its fields and the submit button
 * on one row from md up (`columns`: the grid's columns there), then the server's errors that no field
 * shows, then `status` (e.g. a live region saying what was done).
 */
export function InlineForm({
  label,
  intro,
  columns,
  submitLabel,
  pendingLabel,
  mutation,
  placed,
  status,
  onSubmit,
  children,
}: {
  label: string;
  intro?: ReactNode;
  columns: string;
  submitLabel: string;
  pendingLabel: string;
  /** The mutation the form submits: its pending state holds the button, its errors show in the form. */
  mutation: { isPending: boolean; error: unknown };
  placed: readonly string[];
  status?: ReactNode;
  onSubmit: () => void;
  children: ReactNode;
}) {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
      noValidate
      aria-label={label}
      className="flex flex-col gap-3 rounded-lg border border-line bg-surface/60 p-3"
    >
      {intro && <p className="text-xs text-slate-400">{intro}</p>}
      <div className={`grid grid-cols-1 gap-3 ${columns} md:items-start`}>
        {children}
        <Button type="submit" tone="primary" className="md:mt-5" disabled={mutation.isPending}>
          {mutation.isPending ? pendingLabel : submitLabel}
        </Button>
      </div>
      {hasUnplacedError(mutation.error, placed) && <ErrorState error={mutation.error} />}
      {status}
    </form>
  );
}
