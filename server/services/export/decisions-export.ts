// The decisions list as a download (CSV or JSON Lines) under the list's own filters, streamed page by
// page with the list's keyset pagination: 100,000 rows never sit in memory at once, and each page
// costs what page 1 costs.

import { z } from "zod";
import { type FieldError, parseWith } from "../../core";
import { csvLine, EXPORT_FORMATS, type ExportFormat, jsonLine } from "../../core/export-format";
import type { Db } from "../../db/client";
import { requireTenantRole } from "../access/authorize";
import { MEMBER_ROLES, type Principal } from "../access/principal";
import { type DecisionRow, decisionFilterSchema, listDecisions } from "../decisions/list";
import { invalid } from "../shared/errors";

export const DECISION_EXPORT_COLUMNS = [
  "id",
  "createdAt",
  "verdict",
  "reason",
  "decidingRule",
  "action",
  "actorId",
  "target",
  "policyVersion",
  "approvalStatus",
  "executionStatus",
] as const satisfies readonly (keyof DecisionRow)[];

const PAGE = 200;

/** The query string of an export: the tenant, the format, and the decisions list's filters. */
const exportQuerySchema = z.strictObject({
  tenant: z.string().min(1).max(64),
  format: z.enum(EXPORT_FORMATS, { error: "must be csv or jsonl" }),
  ...decisionFilterSchema.pick({
    verdict: true,
    reason: true,
    action: true,
    actor: true,
    from: true,
    to: true,
  }).shape,
});
export type DecisionExportQuery = z.output<typeof exportQuerySchema>;

/** Reads the URL's parameters (each once) into a query, or INVALID naming each bad parameter. */
export function parseDecisionExportQuery(params: URLSearchParams): DecisionExportQuery {
  const fields: FieldError[] = [];
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in raw) fields.push({ path: key, message: "is given more than once" });
    raw[key] = value;
  }
  const parsed = parseWith(exportQuerySchema, raw);
  if (!parsed.ok) fields.push(...parsed.errors);
  if (fields.length > 0 || !parsed.ok)
    throw invalid(fields, `invalid export query: ${fields.map((f) => `${f.path} ${f.message}`).join("; ")}`);
  return parsed.value;
}

/**
 * The export's chunks: the header (CSV), then each page's lines. Authorization is checked before the
 * first chunk is asked for, so a refusal is an error status, not a broken download.
 */
export function exportDecisions(
  db: Db,
  principal: Principal,
  query: DecisionExportQuery,
): AsyncGenerator<string> {
  requireTenantRole(principal, query.tenant, MEMBER_ROLES);
  const { tenant, format, ...filter } = query;
  return pages(db, principal, tenant, filter, format);
}

async function* pages(
  db: Db,
  principal: Principal,
  tenantId: string,
  filter: Omit<DecisionExportQuery, "tenant" | "format">,
  format: ExportFormat,
): AsyncGenerator<string> {
  // The header goes out with the first page, so the first chunk has already read the database.
  let chunk = format === "csv" ? csvLine(DECISION_EXPORT_COLUMNS) : "";
  let cursor: { createdAt: string; id: string } | undefined;
  do {
    const page = await listDecisions(db, principal, tenantId, { ...filter, cursor, limit: PAGE });
    for (const row of page.rows)
      chunk += format === "csv" ? csvLine(DECISION_EXPORT_COLUMNS.map((c) => row[c])) : jsonLine(row);
    if (chunk) yield chunk;
    chunk = "";
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
