// Export rows as CSV (RFC 4180) or JSON Lines, the same on the server (streamed downloads) and in
// the browser (replay results). CSV cells that a spreadsheet would read as a formula (starting with
// = + - @, or a tab / carriage return) are prefixed with a single quote: an exported action name or
// reason can never run in the auditor's spreadsheet.

export type ExportFormat = "csv" | "jsonl";
export const EXPORT_FORMATS = ["csv", "jsonl"] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell: formula-safe, quoted when it holds a comma, quote or line break. */
export function csvCell(value: unknown): string {
  let text =
    value === null || value === undefined
      ? ""
      : typeof value === "object"
        ? JSON.stringify(value)
        : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line (CRLF-terminated, as RFC 4180 says). */
export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

/** Rows of objects as one CSV document with the given columns, header first. */
export function toCsv<T extends Record<string, unknown>>(
  columns: readonly (keyof T & string)[],
  rows: readonly T[],
): string {
  return csvLine(columns) + rows.map((row) => csvLine(columns.map((c) => row[c]))).join("");
}

/** One JSON Lines record. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

export function toJsonl(rows: readonly unknown[]): string {
  return rows.map(jsonLine).join("");
}
