// The notification sender (issue 14), started by server/boot.ts beside the dispatcher. It loops:
//
//  derive  (services/notifications/outbox.ts) new notifying events → one delivery per channel
//  claim   due deliveries under this sender's lease (FOR UPDATE SKIP LOCKED; any number of senders)
//  send    outside any transaction, through the guarded, signed POST the executor webhooks use
//          (server/net/signed-post.ts), Idempotency-Key = the delivery's id on every attempt
//  record  DELIVERED, RETRY_WAIT (the core's retry schedule, keyed by the delivery id) or FAILED —
//          only if the lease is still ours
//
// A sender killed at any point leaves at worst a SENDING row whose lease expires; the next claim
// sends it again with the same key. Nothing here runs inside a decision's transaction.

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type pg from "pg";
import { nextStep, type RetryConfig } from "../core";
import { nodeCrypto } from "../crypto/node";
import { defaultLeaseMs, retryConfigFromEnv } from "../exec/worker";
import { signedPost } from "../net/signed-post";
import { MAX_CHANNEL_TIMEOUT_MS, openChannel } from "../services/notifications/config";
import { slackBody, webhookBody } from "../services/notifications/message";
import {
  type ClaimedDelivery,
  claimDeliveries,
  type DeliveryResult,
  deriveDeliveries,
  recordDelivery,
  releaseDeliveries,
} from "../services/notifications/outbox";

interface NotifierOptions {
  pool: pg.Pool;
  /** Deliveries in flight at once. */
  concurrency?: number;
  pollMs?: number;
  retry?: RetryConfig;
  log?: (line: string) => void;
}

export interface Notifier {
  readonly id: string;
  stop(graceMs?: number): Promise<void>;
}

/** One attempt of one delivery: what to record. */
export async function attemptDelivery(job: ClaimedDelivery, retry: RetryConfig): Promise<DeliveryResult> {
  if (job.attempt > retry.maxAttempts)
    // Its sender died mid-attempt after the last allowed one: the cap holds.
    return { status: "FAILED", lastStatus: null, lastError: `EXHAUSTED: ${retry.maxAttempts} attempts made` };
  let channel: ReturnType<typeof openChannel>;
  try {
    channel = openChannel(job.config, job.tenantId, job.channel);
  } catch (error) {
    return {
      status: "FAILED",
      lastStatus: null,
      lastError: `INVALID: the channel's secret cannot be used: ${(error as Error).message}`,
    };
  }
  if (!channel)
    return {
      status: "FAILED",
      lastStatus: null,
      lastError: `INVALID: channel ${job.channel} is no longer configured`,
    };
  const result = await signedPost({
    url: channel.url,
    body: channel.type === "slack" ? slackBody(job.notification) : webhookBody(job.id, job.notification),
    idempotencyKey: job.id,
    ...(channel.type === "webhook" && channel.secret ? { secret: channel.secret } : {}),
    timeoutMs: channel.timeoutMs,
    userAgent: "exoarmur-notify/1",
  });
  const lastStatus = result.outcome.kind === "http" ? result.outcome.status : null;
  const what =
    lastStatus !== null
      ? `HTTP ${lastStatus}`
      : String(result.detail.message ?? result.detail.error ?? result.outcome.kind);
  const step = nextStep(nodeCrypto, job.id, job.attempt, result.outcome, retry);
  if (step.action === "succeed") return { status: "DELIVERED", lastStatus };
  if (step.action === "retry")
    return { status: "RETRY_WAIT", delayMs: step.delayMs, lastStatus, lastError: `TRANSIENT: ${what}` };
  return { status: "FAILED", lastStatus, lastError: `${step.failureClass}: ${what}` };
}

export function startNotifier(options: NotifierOptions): Notifier {
  const { pool } = options;
  const id = `notify:${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const concurrency = options.concurrency ?? 16;
  const pollMs = options.pollMs ?? 200;
  const retry = options.retry ?? retryConfigFromEnv();
  const log = options.log ?? (() => {});
  // Long enough for the slowest attempt a channel may take, then the usual lease.
  const leaseMs = MAX_CHANNEL_TIMEOUT_MS + defaultLeaseMs();
  const inflight = new Set<Promise<void>>();
  let stopping = false;
  let wake: (() => void) | null = null;
  let lastError = "";

  const handle = (job: ClaimedDelivery) => {
    const task = (async () => {
      const result = await attemptDelivery(job, retry);
      if (!(await recordDelivery(pool, id, job.id, result)))
        log(`delivery ${job.id}: the lease was lost; its result is not recorded`);
    })().catch((error: Error) => log(`delivery ${job.id} failed to record: ${error.message}`));
    inflight.add(task);
    void task.finally(() => {
      inflight.delete(task);
      wake?.();
    });
  };

  const loop = (async () => {
    while (!stopping) {
      let got = 0;
      try {
        await deriveDeliveries(pool);
        const room = concurrency - inflight.size;
        if (room > 0) {
          const jobs = await claimDeliveries(pool, id, room, leaseMs);
          got = jobs.length;
          for (const job of jobs) handle(job);
        }
        if (lastError) log("notifications flowing again");
        lastError = "";
      } catch (error) {
        const message = (error as Error).message;
        if (message !== lastError) log(`notifications wait: ${message}`);
        lastError = message;
      }
      if (stopping) break;
      if (got === 0 || inflight.size >= concurrency)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, lastError ? 1000 : pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      wake = null;
    }
  })();

  return {
    id,
    async stop(graceMs = 5000) {
      stopping = true;
      wake?.();
      await loop;
      const timedOut = await Promise.race([
        Promise.all([...inflight]).then(() => false),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs).unref()),
      ]);
      if (timedOut)
        await releaseDeliveries(pool, id).catch((error: Error) =>
          log(`releasing deliveries failed: ${error.message}`),
        );
    },
  };
}
