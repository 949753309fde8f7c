"use client";

import { type ReactNode, type SelectHTMLAttributes, useId } from "react";

/** Form helpers shared by the settings and tenants pages. */

type FieldError = { path: string; message: string };

/** The server's field errors (from a failed mutation). */
export function serverFields(error: unknown): FieldError[] {
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
