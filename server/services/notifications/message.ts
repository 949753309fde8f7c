// What a notification says. Built once per (event, tenant) when its deliveries are made and stored
// with them, so every attempt sends the same bytes; rendered per channel type when sent:
// the generic webhook gets the notification as JSON, Slack a Block Kit message.

/** An event with what it is about (the intent behind an approval or an execution). */
export interface EventFacts {
  chain: string;
  seq: number;
  type: string;
  subjectId: string;
  at: string;
  hash: string;
  payload: Record<string, unknown>;
  decisionId: string | null;
  intent: {
    action?: string;
    target?: string;
    parameters?: Record<string, unknown>;
    actor?: { type?: string; id?: string };
    requestedAt?: string;
    ttlSeconds?: number;
  } | null;
}

export interface Notification {
  type: string;
  tenantId: string;
  title: string;
  event: { chain: string; seq: number; hash: string; at: string; subjectId: string };
  action?: string;
  target?: string;
  parameters?: Record<string, unknown>;
  requester?: string;
  deadline?: string;
  decisionId?: string;
  approvalId?: string;
  executionId?: string;
  status?: string;
  quorum?: number;
  failureClass?: string;
  reason?: string;
  killSwitch?: { id: string; scope: string; action?: string; engaged: boolean; by?: string };
  link: string;
}

/**
 * The dashboard's public URL, for deep links: EXOARMUR_PUBLIC_URL, else BETTER_AUTH_URL; without
 * either the links are paths (a Slack message then shows the path, with no button).
 */
export function publicBaseUrl(): string {
  const raw = process.env.EXOARMUR_PUBLIC_URL || process.env.BETTER_AUTH_URL || "";
  return raw.replace(/\/+$/, "");
}

const str = (value: unknown) => (typeof value === "string" ? value : undefined);

function deadlineOf(facts: EventFacts): string | undefined {
  const expires = str(facts.payload.expiresAt);
  if (expires) return expires;
  const { requestedAt, ttlSeconds } = facts.intent ?? {};
  if (!requestedAt || typeof ttlSeconds !== "number") return undefined;
  const at = Date.parse(requestedAt);
  return Number.isFinite(at) ? new Date(at + ttlSeconds * 1000).toISOString() : undefined;
}

const TITLES: Record<string, string> = {
  "approval.requested": "Approval requested",
  "approval.resolved": "Approval resolved",
  "killswitch.engaged": "Kill switch engaged",
  "killswitch.released": "Kill switch released",
  "execution.failed": "Execution failed",
  "execution.blocked": "Execution blocked",
};

/** The notification `tenantId` gets about an event (a global switch's link goes to its own pages). */
export function notificationFor(tenantId: string, facts: EventFacts): Notification {
  const { payload, intent } = facts;
  const base = publicBaseUrl();
  const t = encodeURIComponent(tenantId);
  const isSwitch = facts.type.startsWith("killswitch.");
  const path = isSwitch
    ? `/t/${t}/kill-switches`
    : facts.type === "approval.requested"
      ? `/t/${t}/approvals`
      : facts.decisionId
        ? `/t/${t}/decisions/${encodeURIComponent(facts.decisionId)}`
        : `/t/${t}/decisions`;
  const actor = intent?.actor;
  const notification: Notification = {
    type: facts.type,
    tenantId,
    title: TITLES[facts.type] ?? facts.type,
    event: { chain: facts.chain, seq: facts.seq, hash: facts.hash, at: facts.at, subjectId: facts.subjectId },
    link: `${base}${path}`,
  };
  if (intent) {
    Object.assign(notification, {
      action: intent.action,
      target: intent.target,
      parameters: intent.parameters ?? {},
      ...(actor?.id ? { requester: `${actor.type ?? "actor"}:${actor.id}` } : {}),
    });
    const deadline = deadlineOf(facts);
    if (deadline) notification.deadline = deadline;
  }
  if (facts.decisionId) notification.decisionId = facts.decisionId;
  if (facts.type.startsWith("approval.")) notification.approvalId = facts.subjectId;
  if (facts.type.startsWith("execution.")) notification.executionId = facts.subjectId;
  if (typeof payload.quorum === "number") notification.quorum = payload.quorum;
  if (str(payload.status)) notification.status = str(payload.status);
  if (str(payload.failureClass)) notification.failureClass = str(payload.failureClass);
  if (str(payload.reason)) notification.reason = str(payload.reason);
  if (isSwitch)
    notification.killSwitch = {
      id: facts.subjectId,
      scope: str(payload.scope) ?? "unknown",
      ...(str(payload.action) ? { action: str(payload.action) } : {}),
      engaged: facts.type === "killswitch.engaged",
      ...(str(payload.by) ? { by: str(payload.by) } : {}),
    };
  return notification;
}

/** The generic webhook's body: the notification, with the delivery's id (also its Idempotency-Key). */
export function webhookBody(deliveryId: string, notification: Notification): string {
  return JSON.stringify({ deliveryId, ...notification });
}

// Slack's mrkdwn treats &, < and > as markup: anything a tenant's clients wrote is escaped.
const mrkdwn = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A Slack incoming-webhook message (text for notifications, blocks for the channel). */
export function slackBody(notification: Notification): string {
  const n = notification;
  const subject = n.killSwitch
    ? `${n.killSwitch.scope} switch ${n.killSwitch.id}`
    : [n.action, n.target].filter(Boolean).join(" on ");
  const summary = `${n.title} in ${n.tenantId}: ${subject}`;
  const fields: string[] = [];
  const add = (label: string, value: string | undefined, code = false) => {
    if (value)
      fields.push(`*${label}*\n${code ? `\`${clip(mrkdwn(value), 900)}\`` : clip(mrkdwn(value), 900)}`);
  };
  add("Action", n.action, true);
  add("Target", n.target, true);
  add("Requester", n.requester);
  add("Deadline", n.deadline);
  add("Status", n.status);
  add("Quorum", n.quorum === undefined ? undefined : String(n.quorum));
  add("Failure class", n.failureClass);
  add("Reason", n.reason);
  add(
    "Kill switch",
    n.killSwitch ? `${n.killSwitch.id} (${n.killSwitch.engaged ? "engaged" : "released"})` : undefined,
  );
  add("By", n.killSwitch?.by);
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: clip(n.title, 150) } },
    { type: "section", text: { type: "mrkdwn", text: clip(mrkdwn(summary), 2900) } },
  ];
  if (fields.length > 0)
    blocks.push({ type: "section", fields: fields.slice(0, 10).map((text) => ({ type: "mrkdwn", text })) });
  if (n.parameters !== undefined)
    blocks.push({
      type: "section",
      text: {
        type: "mrkdwn",
        text: `*Parameters*\n\`\`\`${clip(mrkdwn(JSON.stringify(n.parameters, null, 2)), 2800)}\`\`\``,
      },
    });
  const absolute = /^https?:\/\//.test(n.link);
  blocks.push(
    absolute
      ? {
          type: "actions",
          elements: [{ type: "button", text: { type: "plain_text", text: "Open in ExoArmur" }, url: n.link }],
        }
      : { type: "context", elements: [{ type: "mrkdwn", text: `Dashboard: ${mrkdwn(n.link)}` }] },
  );
  const text = absolute
    ? `${mrkdwn(summary)} <${n.link}|Open in ExoArmur>`
    : `${mrkdwn(summary)} (${mrkdwn(n.link)})`;
  return JSON.stringify({ text, blocks });
}
