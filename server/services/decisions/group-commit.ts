// Group commit (issue 13): submissions that arrive while earlier ones are being committed wait
// for the next batch, and each batch is one transaction (decide-batch.ts). Under light load a
// submission starts its batch at once (after at most `windowMs`); under heavy load batches fill up by
// themselves while one commits. One committer per connection pool.
//
// Batches in flight at once never share a tenant. A second batch over a tenant of the first would
// only wait for that tenant's chain head in PostgreSQL, holding its other locks and a connection
// meanwhile, and split what would have been one batch in two: at 32 connections over 10 tenants
// that cost ~20% more CPU per decision than one batch at a time (2026-12-02). Tenants apart, a
// batch starts at once: at 4 connections one batch at a time added ~5 ms to the median.
//
// A batch that fails as a whole (a lost connection, a deadlock, a bug) is not the answer of every
// submission in it: each is decided again alone, so each gets exactly the answer it would have got
// by itself (a 503 when the database is away, its own error otherwise).

import { ROOT_CONTEXT, type Span } from "@opentelemetry/api";
import type pg from "pg";
import { activeSpan, inSpan } from "../../telemetry/tracing";
import { ServiceError } from "../shared/errors";
import { type Answer, decideBatch, type Submission, type SubmitOutcome } from "./decide-batch";
import { refundGlobal, takeGlobal } from "./global-admission";

export interface GroupCommitOptions {
  /** How long the first submission of a batch waits for company (0: until the current tick ends). */
  windowMs: number;
  maxBatch: number;
  /** Batches committing at once, over tenants apart (each holds one pooled connection). */
  maxInFlight: number;
}

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be a whole number of at least ${min}, not "${raw}"`);
  return value;
}

/** EXOARMUR_GROUP_COMMIT_MS (default 1, at most 2), _MAX_BATCH (64), _IN_FLIGHT (2). */
export function groupCommitOptions(): GroupCommitOptions {
  const windowMs = intFromEnv("EXOARMUR_GROUP_COMMIT_MS", 1, 0);
  if (windowMs > 2) throw new Error(`EXOARMUR_GROUP_COMMIT_MS must be at most 2, not ${windowMs}`);
  return {
    windowMs,
    maxBatch: intFromEnv("EXOARMUR_GROUP_COMMIT_MAX_BATCH", 64, 1),
    maxInFlight: intFromEnv("EXOARMUR_GROUP_COMMIT_IN_FLIGHT", 2, 1),
  };
}

interface Waiting {
  item: Submission;
  resolve: (outcome: SubmitOutcome) => void;
  reject: (error: unknown) => void;
  /** The submitting span (tracing on): linked to the transaction's span, and it to them. */
  span?: Span | undefined;
}

/**
 * One batch's transaction as a span of its own (tracing on). It serves many requests, of many
 * traces, so it has no parent: it links to each submission's span, and each of them links back.
 */
function transactionSpan(batch: readonly Waiting[], work: () => Promise<Answer[]>): Promise<Answer[]> {
  return inSpan(
    "decideBatch transaction",
    () => ({
      // Not the first submitter's child (its context reaches this timer callback): a root.
      parent: ROOT_CONTEXT,
      attributes: { "db.system.name": "postgresql", "exoarmur.batch.size": batch.length },
      links: batch.flatMap((w) => (w.span ? [{ context: w.span.spanContext() }] : [])),
    }),
    (span) => {
      if (span) for (const w of batch) w.span?.addLink({ context: span.spanContext() });
      return work();
    },
  );
}

export class GroupCommitter {
  private queue: Waiting[] = [];
  private inFlight = 0;
  /** The tenants of the batches in flight: a submission of one of them waits for the next batch. */
  private readonly committing = new Set<string>();
  /** How many submissions of each tenant wait in the queue. */
  private readonly waitingOf = new Map<string, number>();
  /** Cancels the scheduled flush, if one is scheduled. */
  private cancelScheduled: (() => void) | null = null;
  /** Sizes of the batches committed so far (for tests and metrics). */
  readonly batchSizes: number[] = [];

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(item: Submission): Promise<SubmitOutcome> {
    const tenant = item.principal.tenantId;
    const held = this.waitingOf.get(tenant) ?? 0;
    if (this.refuses(held))
      return Promise.reject(
        new ServiceError("UNAVAILABLE", "too many submissions are waiting to be committed; retry shortly", {
          retryAfterSeconds: 1,
          reason: "COMMIT_QUEUE_FULL",
        }),
      );
    this.waitingOf.set(tenant, held + 1);
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject, span: activeSpan() });
      // Its tenant being committed, it goes with the batch that starts when that one ends.
      if (!this.committing.has(tenant)) this.schedule();
    });
  }

  /**
   * A database slower than the arrivals must not turn into unbounded memory and waits: beyond the
   * bound (8 batches' worth) the answer is 503 with Retry-After, and nothing is written. But only
   * for a tenant that holds a quarter of the bound already: one tenant's flood must not refuse
   * every other tenant on this instance. Twice the bound is the hard cap, whoever asks.
   */
  private refuses(heldByTenant: number): boolean {
    const bound = this.options.maxBatch * this.options.maxInFlight * 8;
    if (this.queue.length >= 2 * bound) return true;
    return this.queue.length >= bound && heldByTenant >= Math.max(1, Math.floor(bound / 4));
  }

  /** Takes a batch's submissions off the per-tenant counts. */
  private dequeued(batch: readonly Waiting[]): void {
    for (const { item } of batch) {
      const tenant = item.principal.tenantId;
      const held = (this.waitingOf.get(tenant) ?? 1) - 1;
      if (held > 0) this.waitingOf.set(tenant, held);
      else this.waitingOf.delete(tenant);
    }
  }

  /** Submissions waiting for a batch (for tests). */
  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.inFlight >= this.options.maxInFlight || this.queue.length === 0) return;
    if (this.queue.length >= this.options.maxBatch && this.eligible() >= this.options.maxBatch) {
      this.flush();
      return;
    }
    if (this.cancelScheduled) return;
    // setTimeout(0) would wait a millisecond anyway; 0 means "what arrived in this tick".
    if (this.options.windowMs === 0) {
      const immediate = setImmediate(() => this.flush());
      this.cancelScheduled = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(() => this.flush(), this.options.windowMs);
      this.cancelScheduled = () => clearTimeout(timer);
    }
  }

  /** Starts batches while slots are free and submissions of tenants not being committed wait. */
  private flush(): void {
    this.cancelScheduled?.();
    this.cancelScheduled = null;
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.nextBatch();
      if (batch.length === 0) return;
      this.start(batch);
    }
  }

  private start(batch: Waiting[]): void {
    const tenants = new Set(batch.map((w) => w.item.principal.tenantId));
    for (const tenant of tenants) this.committing.add(tenant);
    this.inFlight += 1;
    this.batchSizes.push(batch.length);
    if (this.batchSizes.length > 1000) this.batchSizes.splice(0, 500);
    void this.commit(batch).finally(() => {
      this.inFlight -= 1;
      for (const tenant of tenants) this.committing.delete(tenant);
      // Whoever queued meanwhile has waited long enough: go now.
      if (this.queue.length > 0) this.flush();
    });
  }

  /** Waiting submissions of tenants no batch in flight has: those a batch could take now. */
  private eligible(): number {
    if (this.committing.size === 0) return this.queue.length;
    let count = 0;
    for (const waiting of this.queue) if (!this.committing.has(waiting.item.principal.tenantId)) count++;
    return count;
  }

  /**
   * Up to maxBatch waiting submissions, in arrival order, of tenants no batch in flight has, taken
   * off the queue (the only place they leave it). A tenant's submissions keep their order: all of
   * them wait while it is being committed.
   */
  private nextBatch(): Waiting[] {
    let batch: Waiting[];
    if (this.committing.size === 0) batch = this.queue.splice(0, this.options.maxBatch);
    else {
      batch = [];
      const rest: Waiting[] = [];
      for (const waiting of this.queue)
        if (batch.length < this.options.maxBatch && !this.committing.has(waiting.item.principal.tenantId))
          batch.push(waiting);
        else rest.push(waiting);
      this.queue = rest;
    }
    this.dequeued(batch);
    return batch;
  }

  private async commit(batch: Waiting[]): Promise<void> {
    // The platform's bucket first, in its own statement: tokens for as many as it holds. (At the
    // global limit this differs from one at a time in one way: a replay in the batch holds its
    // token until the batch ends, so a later submission of the batch may be refused for it.)
    let admitted: Waiting[];
    try {
      const refused = await takeGlobal(this.pool, batch.length);
      admitted = batch.slice(0, batch.length - refused.count);
      for (const waiting of batch.slice(admitted.length)) waiting.reject(refused.error);
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    if (admitted.length === 0) return;
    let answers: (Answer | { failed: unknown })[];
    try {
      answers = await transactionSpan(admitted, () =>
        decideBatch(
          this.pool,
          admitted.map((w) => w.item),
        ),
      );
    } catch (error) {
      // One after another, in arrival order: the order a key's two contents, or a tenant's last
      // tokens, are decided in stays the order they came in (and a failing database is not hit with
      // a whole batch of connections at once).
      answers = [];
      if (admitted.length === 1) answers.push({ failed: error });
      else
        for (const w of admitted)
          answers.push(
            await transactionSpan([w], () => decideBatch(this.pool, [w.item])).then(
              ([answer]) => answer!,
              (failed: unknown) => ({ failed }),
            ),
          );
    }
    let unused = 0;
    admitted.forEach((waiting, index) => {
      const answer = answers[index]!;
      if ("failed" in answer) waiting.reject(answer.failed);
      else if (answer instanceof ServiceError) waiting.reject(answer);
      else waiting.resolve(answer);
      if ("failed" in answer || answer instanceof ServiceError || answer.status !== 201) unused += 1;
    });
    // Tokens of submissions that made no new decision go back (refused, replayed, failed).
    if (unused > 0) await refundGlobal(this.pool, unused);
  }
}

const committers = new WeakMap<pg.Pool, GroupCommitter>();

/** The committer of a pool (one per process and database). */
export function committerFor(pool: pg.Pool): GroupCommitter {
  let committer = committers.get(pool);
  if (!committer) {
    committer = new GroupCommitter(pool, groupCommitOptions());
    committers.set(pool, committer);
  }
  return committer;
}
