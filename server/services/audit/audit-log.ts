// The audit log: every change people and keys made to a tenant, read from its hash chain (and the
// global kill switch from the platform chain): policies, keys, members and invitations, limits and
// status, executors, notification channels, approval votes and kill switches. Newest first, keyset
// paginated on the event's row id, each row naming its chain and seq.

import { z } from "zod";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { requireTenantRole } from "../access/authorize";
import { MEMBER_ROLES, type Principal } from "../access/principal";
import { principalNames } from "../access/principal-names";

export const PLATFORM_CHAIN = "_platform";

/** What the log can be narrowed to, and the event types behind each. */
export const AUDIT_CATEGORIES = {
  policy: ["policy.activated", "policy.proposed", "policy.rejected"],
  key: ["apikey.created", "apikey.revoked"],
  member: [
    "member.added",
    "member.set",
    "member.removed",
    "invitation.created",
    "invitation.revoked",
    "invitation.accepted",
  ],
  limit: ["tenant.created", "tenant.updated", "tenant.suspended", "tenant.activated"],
  executor: ["tenant.executors_set"],
  notification: ["tenant.notifications_set"],
  vote: ["approval.voted"],
  switch: ["killswitch.engaged", "killswitch.released"],
} as const;
export type AuditCategory = keyof typeof AUDIT_CATEGORIES;
const CATEGORY_NAMES = Object.keys(AUDIT_CATEGORIES) as [AuditCategory, ...AuditCategory[]];
const ALL_TYPES = Object.values(AUDIT_CATEGORIES).flat() as string[];
const SWITCH_TYPES = [...AUDIT_CATEGORIES.switch] as string[];

const instant = z.iso.datetime({ offset: true, error: "must be an ISO 8601 timestamp" });

export const auditFilterSchema = z.strictObject({
  category: z.enum(CATEGORY_NAMES, { error: `must be one of ${CATEGORY_NAMES.join(", ")}` }).optional(),
  /** A principal label (`user:…`, `apiKey:…`, `platform-admin`, `cli`) or a person's email. */
  by: z.string().trim().min(1).max(256).optional(),
  from: instant.optional(),
  to: instant.optional(),
  /** The row id of the last event of the previous page (decimal). */
  cursor: z
    .string()
    .regex(/^[0-9]{1,19}$/, { error: "must be the nextCursor of a previous page" })
    .optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type AuditFilter = z.input<typeof auditFilterSchema>;

export interface AuditRow {
  /** Row id, also the cursor. */
  id: string;
  chain: string;
  seq: number;
  type: string;
  category: AuditCategory;
  subjectId: string;
  at: string;
  /** The principal label that made the change. */
  by: string;
  /** Its human name (an email, `API key "ci"`), when known. */
  byName: string | null;
  summary: string;
  payload: unknown;
  hash: string;
}

const categoryOf = (type: string): AuditCategory =>
  CATEGORY_NAMES.find((c) => (AUDIT_CATEGORIES[c] as readonly string[]).includes(type)) ?? "limit";

type Payload = Record<string, unknown>;

/** A vote's author as a label: the person when there is one, else the key or session. */
function byOf(type: string, payload: Payload): string {
  if (type === "approval.voted") {
    const person = payload.person as { id?: string } | undefined;
    if (person?.id) return `user:${person.id}`;
    const principal = payload.principal as { type?: string; id?: string } | undefined;
    return principal ? `${principal.type}:${principal.id}` : "unknown";
  }
  return typeof payload.by === "string" ? payload.by : "unknown";
}

const str = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));

function summaryOf(type: string, subjectId: string, p: Payload): string {
  switch (type) {
    case "policy.activated":
      return `activated policy version ${str(p.version)}${p.rules !== undefined ? ` (${str(p.rules)} rules)` : ""}${p.note !== undefined ? `: “${str(p.note)}”` : ""}`;
    case "policy.proposed":
      return `proposed policy version ${str(p.version)} for review${p.note !== undefined ? `: “${str(p.note)}”` : ""}`;
    case "policy.rejected":
      return `rejected policy version ${str(p.version)}: ${str(p.reason)}`;
    case "apikey.created":
      return `created ${str(p.role)} key "${str(p.name)}"`;
    case "apikey.revoked":
      return `revoked key ${subjectId}`;
    case "member.added":
      return `added ${str(p.email)} as ${str(p.role)}`;
    case "member.set":
      return `made ${str(p.email)} ${str(p.role)}`;
    case "member.removed":
      return `removed member ${subjectId}`;
    case "invitation.created":
      return `invited ${str(p.email)} as ${str(p.role)}`;
    case "invitation.revoked":
      return `revoked the invitation of ${str(p.email)}`;
    case "invitation.accepted":
      return `${str(p.email)} accepted an invitation as ${str(p.role)}`;
    case "tenant.created":
      return `created the tenant "${str(p.name)}"`;
    case "tenant.updated":
      return `changed ${Object.keys((p.changes as Payload) ?? {}).join(", ") || "the tenant"}`;
    case "tenant.suspended":
      return "suspended the tenant";
    case "tenant.activated":
      return "activated the tenant";
    case "tenant.executors_set":
      return `set ${Array.isArray(p.routes) ? p.routes.length : 0} executor route(s)`;
    case "tenant.notifications_set":
      return `set ${Array.isArray(p.channels) ? p.channels.length : 0} notification channel(s)`;
    case "approval.voted":
      return `voted ${str(p.vote)} on approval ${subjectId}${p.reason ? `: ${str(p.reason)}` : ""}`;
    case "killswitch.engaged":
    case "killswitch.released": {
      const what = p.scope === "action" ? `action switch ${str(p.action)}` : `${str(p.scope)} switch`;
      return `${type === "killswitch.engaged" ? "engaged" : "released"} the ${what}: ${str(p.reason)}`;
    }
    default:
      return type;
  }
}

export async function listAuditLog(
  db: Db,
  principal: Principal,
  tenantId: string,
  filter: z.output<typeof auditFilterSchema>,
) {
  requireTenantRole(principal, tenantId, MEMBER_ROLES);
  const types: string[] = filter.category ? [...AUDIT_CATEGORIES[filter.category]] : ALL_TYPES;
  const chains: Prisma.EventWhereInput[] = [{ tenantId, type: { in: types } }];
  // The global switch is recorded on the platform chain; it covers every tenant.
  const platformTypes = types.filter((t) => SWITCH_TYPES.includes(t));
  if (platformTypes.length > 0)
    chains.push({
      tenantId: PLATFORM_CHAIN,
      type: { in: platformTypes },
      payload: { path: ["scope"], equals: "global" },
    });
  const and: Prisma.EventWhereInput[] = [{ OR: chains }];
  if (filter.from) and.push({ at: { gte: new Date(filter.from).toISOString() } });
  if (filter.to) and.push({ at: { lt: new Date(filter.to).toISOString() } });
  if (filter.cursor) and.push({ id: { lt: BigInt(filter.cursor) } });
  if (filter.by) {
    const labels = [filter.by];
    if (filter.by.includes("@")) {
      const user = await db.user.findFirst({
        where: { email: filter.by.toLowerCase() },
        select: { id: true },
      });
      if (user) labels.push(`user:${user.id}`);
    }
    const personIds = labels.filter((l) => l.startsWith("user:")).map((l) => l.slice(5));
    and.push({
      OR: [
        ...labels.map((label) => ({ payload: { path: ["by"], equals: label } })),
        ...personIds.map((id) => ({ payload: { path: ["person", "id"], equals: id } })),
        ...labels
          .filter((l) => l.includes(":"))
          .map((l) => ({
            type: "approval.voted",
            AND: [
              { payload: { path: ["principal", "type"], equals: l.slice(0, l.indexOf(":")) } },
              { payload: { path: ["principal", "id"], equals: l.slice(l.indexOf(":") + 1) } },
            ],
          })),
      ],
    });
  }
  const rows = await db.event.findMany({
    where: { AND: and },
    orderBy: { id: "desc" },
    take: filter.limit + 1,
    select: {
      id: true,
      tenantId: true,
      seq: true,
      type: true,
      subjectId: true,
      at: true,
      payload: true,
      hash: true,
    },
  });
  const page = rows.slice(0, filter.limit);
  const labels = page.map((e) => byOf(e.type, (e.payload ?? {}) as Payload));
  const names = await principalNames(db, labels);
  return {
    rows: page.map((e, i): AuditRow => {
      const payload = (e.payload ?? {}) as Payload;
      const by = labels[i]!;
      return {
        id: e.id.toString(),
        chain: e.tenantId,
        seq: e.seq,
        type: e.type,
        category: categoryOf(e.type),
        subjectId: e.subjectId,
        at: e.at,
        by,
        byName: names[by] ?? (by === "platform-admin" ? "platform admin" : null),
        summary: summaryOf(e.type, e.subjectId, payload),
        payload,
        hash: e.hash,
      };
    }),
    nextCursor: rows.length > filter.limit ? page.at(-1)!.id.toString() : null,
  };
}
