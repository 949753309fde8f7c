// A tenant's outbound notification channels (issue 14): where ExoArmur tells people who are not
// looking at the dashboard that something needs them or went wrong.
//
// - `webhook`: signed JSON, the executor webhooks' scheme (`X-ExoArmur-Signature: sha256=<HMAC>`,
//   server/net/signed-post.ts); a secret is required, since the receiver must be able to tell a
//   genuine notification from a forged one;
// - `slack`: a Slack incoming-webhook URL; the message names the action, target, parameters,
//   requester, deadline and links to the dashboard.
//
// Channels are named (the name is what a delivery refers to); the secret is sealed at rest and never
// returned. Sending a webhook channel again without its secret keeps the stored one.

import { z } from "zod";
import { type FieldError, slugSchema } from "../../core";
import { isSealed, openSecret, sealSecret } from "../../crypto/secret-box";
import { chainedUrl } from "../executors/chained";
import { inputSecret, webhookUrlSchema } from "../executors/config";
import { invalid } from "../shared/errors";

/** The event types that notify, in the order the dashboard lists them. */
export const NOTIFYING_EVENTS = [
  "approval.requested",
  "approval.resolved",
  "killswitch.engaged",
  "killswitch.released",
  "execution.failed",
  "execution.blocked",
] as const;
export type NotifyingEvent = (typeof NOTIFYING_EVENTS)[number];

/** A notification's deadline for one attempt; also bounds how long a crashed sender's lease lasts. */
export const MAX_CHANNEL_TIMEOUT_MS = 10_000;

const channelName = slugSchema("on-call");

const events = z
  .array(z.enum(NOTIFYING_EVENTS, { error: `must be one of ${NOTIFYING_EVENTS.join(", ")}` }), {
    error: "must be an array of event types",
  })
  .min(1, { error: "must list at least one event type" })
  .max(NOTIFYING_EVENTS.length)
  .refine((list) => new Set(list).size === list.length, { error: "must not repeat an event type" })
  .optional();

const timeoutMs = z
  .number({ error: "must be a number" })
  .int({ error: "must be a whole number of milliseconds" })
  .min(100, { error: "must be at least 100" })
  .max(MAX_CHANNEL_TIMEOUT_MS, { error: `must be at most ${MAX_CHANNEL_TIMEOUT_MS}` })
  .default(5000);

const configWith = (secret: z.ZodType<string | undefined>) =>
  z
    .strictObject({
      channels: z
        .array(
          z.discriminatedUnion(
            "type",
            [
              z.strictObject({
                type: z.literal("webhook"),
                name: channelName,
                url: webhookUrlSchema,
                secret,
                events,
                timeoutMs,
              }),
              z.strictObject({
                type: z.literal("slack"),
                name: channelName,
                url: webhookUrlSchema,
                events,
                timeoutMs,
              }),
            ],
            { error: "type must be webhook or slack" },
          ),
          { error: "must be an array" },
        )
        .max(20, { error: "must have at most 20 channels" }),
    })
    .superRefine((config, ctx) => {
      const seen = new Map<string, number>();
      config.channels.forEach((channel, i) => {
        const first = seen.get(channel.name);
        if (first !== undefined)
          ctx.addIssue({
            code: "custom",
            path: ["channels", i, "name"],
            message: `is already the name of channels[${first}]`,
          });
        else seen.set(channel.name, i);
      });
    });

/** What an admin sends. */
export const notificationConfigSchema = configWith(inputSecret);
/** What the Tenant row holds: each webhook secret sealed. */
const storedConfigSchema = configWith(z.string().max(4096).optional());
export type NotificationConfig = z.infer<typeof notificationConfigSchema>;
export type NotificationChannel = NotificationConfig["channels"][number];

const context = (tenantId: string) => `notification-secret:${tenantId}`;

/** The channel's event types (all of them when it lists none). */
export const channelEvents = (channel: NotificationChannel): readonly string[] =>
  channel.events ?? NOTIFYING_EVENTS;

/**
 * Checks what an admin sent (already parsed) against what is stored: a webhook channel sent without a secret keeps
 * the stored channel's of the same name; a new one must bring one. Returns the configuration to store
 * (secrets sealed), or throws a 400 naming each field.
 */
export function configToStore(
  config: NotificationConfig,
  stored: unknown,
  tenantId: string,
): NotificationConfig {
  const previous = readStored(stored);
  const problems: FieldError[] = [];
  const channels = config.channels.map((channel, i) => {
    if (channel.type !== "webhook") return channel;
    if (channel.secret !== undefined)
      return { ...channel, secret: sealSecret(channel.secret, context(tenantId)) };
    const kept = previous?.channels.find((c) => c.type === "webhook" && c.name === channel.name);
    const secret = kept?.type === "webhook" ? kept.secret : undefined;
    if (secret === undefined)
      problems.push({
        path: `channels[${i}].secret`,
        message:
          "is required for a new webhook channel: it signs every notification (at least 16 characters)",
      });
    return { ...channel, secret };
  });
  if (problems.length > 0) throw invalid(problems, "notification configuration is invalid");
  return { channels };
}

function readStored(stored: unknown): NotificationConfig | null {
  if (stored === null || stored === undefined) return null;
  const parsed = storedConfigSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

/** A stored channel by name, its secret opened; null when the tenant no longer has it. */
export function openChannel(stored: unknown, tenantId: string, name: string): NotificationChannel | null {
  const channel = readStored(stored)?.channels.find((c) => c.name === name);
  if (!channel) return null;
  if (channel.type !== "webhook" || channel.secret === undefined) return channel;
  return {
    ...channel,
    secret: isSealed(channel.secret) ? openSecret(channel.secret, context(tenantId)) : channel.secret,
  };
}

/** The names and event types of the stored channels (no secrets), for making deliveries. */
export function storedChannels(stored: unknown): { name: string; type: string; events: readonly string[] }[] {
  return (readStored(stored)?.channels ?? []).map((c) => ({
    name: c.name,
    type: c.type,
    events: channelEvents(c),
  }));
}

/** Channels as the chain (and operators and auditors) see them: no URL, no secret. */
export function chainedChannels(config: NotificationConfig | null) {
  return (config?.channels ?? []).map((channel) => ({
    name: channel.name,
    type: channel.type,
    events: [...channelEvents(channel)],
    ...chainedUrl(channel.url),
    timeoutMs: channel.timeoutMs,
    hasSecret: channel.type === "webhook" && channel.secret !== undefined,
  }));
}

/** Channels as admins see them: the URL, and whether a secret is set. */
export function redactedChannels(config: NotificationConfig | null) {
  return (config?.channels ?? []).map((channel) => ({
    name: channel.name,
    type: channel.type,
    url: channel.url,
    events: [...channelEvents(channel)],
    timeoutMs: channel.timeoutMs,
    hasSecret: channel.type === "webhook" && channel.secret !== undefined,
  }));
}

export { readStored as readStoredNotificationConfig };
