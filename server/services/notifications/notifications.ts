// Notification channels and their deliveries, per tenant (issue 14). Setting channels is one
// transaction: the Tenant row, the chain event `tenant.notifications_set` (no URL, no secret), and
// the cursors from which server/notify derives deliveries — the tenant's chain and the platform chain
// (global kill switches) — placed at their current heads, so a tenant is told about what happens
// from now on, not about its history.

import { z } from "zod";
import { chainEvent, type FieldError, parseWith } from "../../core";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { allowedNetworksFromEnv, urlDestinationRefusal } from "../../net/destination";
import { requireActiveTenant, requireTenantRole } from "../access/authorize";
import { type Principal, principalLabel } from "../access/principal";
import { appendEvents, PLATFORM_CHAIN } from "../chain/append";
import { invalid, notFound } from "../shared/errors";
import { iso } from "../shared/ids";
import { TX_OPTIONS, type Tx } from "../shared/transaction";
import {
  chainedChannels,
  configToStore,
  type NotificationConfig,
  notificationConfigSchema,
  readStoredNotificationConfig,
  redactedChannels,
} from "./config";

/** Refused destinations, by field: the same rules as executor webhooks (issue 11 §1). */
function destinationProblems(config: NotificationConfig): FieldError[] {
  const allowed = allowedNetworksFromEnv();
  return config.channels.flatMap((channel, i) => {
    const refusal = urlDestinationRefusal(channel.url, allowed);
    return refusal ? [{ path: `channels[${i}].url`, message: refusal.message }] : [];
  });
}

const PLACE_CURSORS = `
INSERT INTO "NotificationCursor" ("tenantId", seq)
SELECT c, coalesce((SELECT seq FROM "ChainHead" WHERE "tenantId" = c), 0) FROM unnest($1::text[]) AS c
ON CONFLICT ("tenantId") DO NOTHING`;

export async function setNotificationConfig(
  db: Db,
  principal: Principal,
  tenantId: string,
  body: unknown,
  now = new Date(),
) {
  requireTenantRole(principal, tenantId, ["admin"]);
  // Shape first (400 with every field), then destinations, before anything is read or written.
  const parsed = parseWith(notificationConfigSchema, body);
  if (!parsed.ok) throw invalid(parsed.errors, "notification configuration is invalid");
  const refused = destinationProblems(parsed.value);
  if (refused.length > 0)
    throw invalid(refused, "notification configuration points at a refused destination");
  return db.$transaction(async (tx: Tx) => {
    await requireActiveTenant(tx, principal);
    const [tenant] = await tx.$queryRaw<{ notificationConfig: unknown }[]>`
      SELECT "notificationConfig" FROM "Tenant" WHERE id = ${tenantId} FOR NO KEY UPDATE`;
    if (!tenant) throw notFound(`tenant ${tenantId}`);
    const config = configToStore(parsed.value, tenant.notificationConfig, tenantId);
    await tx.tenant.update({
      where: { id: tenantId },
      data: { notificationConfig: config as unknown as Prisma.InputJsonValue },
    });
    await appendEvents(tx, tenantId, [
      chainEvent("tenant.notifications_set", tenantId, iso(now), {
        channels: chainedChannels(config),
        by: principalLabel(principal),
      }),
    ]);
    await tx.$executeRawUnsafe(PLACE_CURSORS, [tenantId, PLATFORM_CHAIN]);
    return { tenantId, channels: redactedChannels(config) };
  }, TX_OPTIONS);
}

export async function getNotificationConfig(db: Db, principal: Principal, tenantId: string) {
  requireTenantRole(principal, tenantId, ["operator", "auditor", "admin"]);
  const tenant = await db.tenant.findUnique({
    where: { id: tenantId },
    select: { notificationConfig: true },
  });
  if (!tenant) throw notFound(`tenant ${tenantId}`);
  const config: NotificationConfig | null = readStoredNotificationConfig(tenant.notificationConfig);
  // A Slack URL is a credential, and webhook URLs often carry one: admins only see them.
  const seesUrls = principal.kind === "platform-admin" || principal.role === "admin";
  return { tenantId, channels: seesUrls ? redactedChannels(config) : chainedChannels(config) };
}

const DELIVERY_STATUSES = ["PENDING", "SENDING", "RETRY_WAIT", "DELIVERED", "FAILED"] as const;

const deliveriesQuery = z.strictObject({
  subjectId: z.string().min(1).max(200).optional(),
  status: z.enum(DELIVERY_STATUSES, { error: `must be one of ${DELIVERY_STATUSES.join(", ")}` }).optional(),
  limit: z.coerce
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be at least 1" })
    .max(200, { error: "must be at most 200" })
    .default(50),
});

/** The delivery state of the tenant's notifications, newest first (optionally of one event subject). */
export async function listNotificationDeliveries(
  db: Db,
  principal: Principal,
  tenantId: string,
  query: unknown,
) {
  requireTenantRole(principal, tenantId, ["operator", "auditor", "admin"]);
  const parsed = parseWith(deliveriesQuery, query);
  if (!parsed.ok) throw invalid(parsed.errors, "query is invalid");
  const { subjectId, status, limit } = parsed.value;
  const rows = await db.notificationDelivery.findMany({
    where: { tenantId, ...(subjectId ? { subjectId } : {}), ...(status ? { status } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    take: limit,
  });
  return {
    tenantId,
    deliveries: rows.map((row) => ({
      id: row.id,
      channel: row.channel,
      channelType: row.channelType,
      event: { chain: row.chain, seq: row.eventSeq, type: row.eventType, subjectId: row.subjectId },
      status: row.status,
      attempts: row.attempts,
      nextAttemptAt: row.status === "PENDING" || row.status === "RETRY_WAIT" ? iso(row.nextAttemptAt) : null,
      lastStatus: row.lastStatus,
      lastError: row.lastError,
      deliveredAt: row.deliveredAt ? iso(row.deliveredAt) : null,
      createdAt: iso(row.createdAt),
    })),
  };
}
