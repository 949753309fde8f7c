import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../server/db/client";
import { startWorker } from "../../server/exec/worker";
import { PLATFORM_ADMIN } from "../../server/services/access/principal";
import { verifyChain } from "../../server/services/chain/verify";
import type { Submission } from "../../server/services/decisions/decide-batch";
import { committerFor, GroupCommitter } from "../../server/services/decisions/group-commit";
import { submitIntent } from "../../server/services/decisions/submit-intent";
import type { ServiceError } from "../../server/services/shared/errors";
import { updateTenant } from "../../server/services/tenants/tenants";
import { createTestDatabase } from "../support/db";
import { intentBody, seedTenant, type TenantFixture } from "../support/fixtures";

// Group commit (issue 13): submissions that arrive together are decided in one transaction, and
// each still gets exactly the answer it would get alone — replays, conflicts, rate and pending
// limits counted as if one at a time, a failing batch decided again one by one — and the pending
// count admission reads is kept exact on the chain head by a trigger.

let db: Db;
let second: Db;
const tenants: TenantFixture[] = [];
const WIDE = { ratePerSecond: 100_000, burst: 100_000, maxPending: 1_000_000 };

beforeAll(async () => {
  const created = await createTestDatabase();
  db = created.db;
  second = createDb(created.url);
  for (let i = 0; i < 4; i++) tenants.push(await seedTenant(db, `gc${i}`, WIDE));
});
afterAll(async () => {
  await second.$disconnect();
  await db.$disconnect();
});

const client = (t: TenantFixture) => t.keys.client.principal;
/** A submission as the committer takes it, under a key of its own (`tag` unique per tenant). */
const prepare = (t: TenantFixture, tag: string): Submission => ({
  principal: client(t) as Submission["principal"],
  idempotencyKey: `gc-${process.pid}-${tag}`,
  submission: intentBody({ target: tag }) as Submission["submission"],
  submissionHash: `hash-${tag}`,
  now: new Date(),
});
const settle = <T>(calls: Promise<T>[]) =>
  Promise.all(
    calls.map((call) =>
      call.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
    ),
  );
const pendingOnHead = async (tenantId: string) =>
  (await db.chainHead.findUniqueOrThrow({ where: { tenantId } })).pending;
const pendingCounted = (tenantId: string) =>
  db.execution.count({ where: { tenantId, status: { in: ["QUEUED", "RUNNING", "RETRY_WAIT"] } } });

describe("batches", () => {
  it("64 concurrent submissions over 4 tenants commit in batches; each answer is its own, every chain gapless", async () => {
    const committer = committerFor(db.pool);
    const before = committer.batchSizes.length;
    const bodies = Array.from({ length: 64 }, (_, i) =>
      intentBody({ target: `web-${i}`, actionClass: ["A1_soft", "A2_hard", "A3_irreversible"][i % 3] }),
    );
    const answers = await Promise.all(
      bodies.map((body, i) => submitIntent(db, client(tenants[i % 4]!), body)),
    );
    const sizes = committer.batchSizes.slice(before);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(64);
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(answers.map((a) => a.result.verdict)).toEqual(
      bodies.map(
        (b) =>
          ({ A1_soft: "ALLOW", A2_hard: "REQUIRE_APPROVAL", A3_irreversible: "DENY" })[
            b.actionClass as string
          ],
      ),
    );
    // Each answer names its own intent: the stored intent under that decision has its target.
    for (const [i, answer] of answers.entries()) {
      const decision = await db.decision.findUniqueOrThrow({
        where: { id: answer.result.decisionId },
        include: { intent: true },
      });
      expect((decision.intent.body as { target: string }).target).toBe(`web-${i}`);
      expect(decision.tenantId).toBe(tenants[i % 4]!.id);
    }
    for (const t of tenants) expect((await verifyChain(db, t.id)).ok).toBe(true);
  });

  it("one key twice in one batch: one decision, the repeat replays it (200); other content under it is 409", async () => {
    const body = intentBody({ target: "twice" });
    const [a, b] = await Promise.all([
      submitIntent(db, client(tenants[0]!), body),
      submitIntent(db, client(tenants[0]!), body),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.result).toEqual(b.result);
    expect(await db.intent.count({ where: { idempotencyKey: body.idempotencyKey } })).toBe(1);

    const other = intentBody({ target: "first" });
    const results = await settle([
      submitIntent(db, client(tenants[1]!), other),
      submitIntent(db, client(tenants[1]!), { ...other, target: "second" }),
    ]);
    const created = results.filter((r) => "value" in r);
    const refused = results.filter((r) => "error" in r) as { error: ServiceError }[];
    expect(created).toHaveLength(1);
    expect(refused.map((r) => [r.error.status, r.error.details.reason])).toEqual([
      [409, "IDEMPOTENCY_KEY_REUSED"],
    ]);
  });

  it("the same keys from two instances at once: exactly one decision per key", async () => {
    const bodies = Array.from({ length: 20 }, (_, i) => intentBody({ target: `race-${i}` }));
    const answers = await Promise.all(
      bodies.flatMap((body) => [
        submitIntent(db, client(tenants[2]!), body),
        submitIntent(second, client(tenants[2]!), body),
      ]),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(20);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(20);
    const keys = bodies.map((b) => b.idempotencyKey);
    expect(await db.intent.count({ where: { idempotencyKey: { in: keys } } })).toBe(20);
    expect((await verifyChain(db, tenants[2]!.id)).ok).toBe(true);
  });
});

describe("batches in flight never share a tenant", () => {
  it("while one tenant's batch waits, another tenant's starts and commits; the first tenant's next waits for it, in order", async () => {
    const [a, b] = [tenants[0]!, tenants[3]!];
    const committer = new GroupCommitter(db.pool, { windowMs: 0, maxBatch: 64, maxInFlight: 2 });
    // Tenant a's head held by another transaction: a's batch waits in PostgreSQL, in flight.
    const holder = await db.pool.connect();
    await holder.query("BEGIN");
    await holder.query(`SELECT seq FROM "ChainHead" WHERE "tenantId" = $1 FOR UPDATE`, [a.id]);
    let firstSettled = false;
    const first = committer.submit(prepare(a, "a1")).finally(() => (firstSettled = true));
    const second = (async () => {
      try {
        await expect.poll(() => committer.batchSizes.length).toBe(1);
        const second = committer.submit(prepare(a, "a2"));
        let otherSettled = false;
        const other = committer.submit(prepare(b, "b1")).finally(() => (otherSettled = true));
        // b's batch goes past a's (before: it went with a2 and waited for a's head too).
        await expect.poll(() => otherSettled, { timeout: 5_000 }).toBe(true);
        expect((await other).status).toBe(201);
        // a1 still waits, and a2 waits for the batch after a1's, not in PostgreSQL.
        expect(firstSettled).toBe(false);
        expect(committer.waiting).toBe(1);
        expect(committer.batchSizes).toEqual([1, 1]);
        return second;
      } finally {
        await holder.query("COMMIT");
        holder.release();
      }
    })();
    const [one, two] = await Promise.all([first, await second]);
    expect([one.status, two.status]).toEqual([201, 201]);
    expect(committer.batchSizes).toEqual([1, 1, 1]);
    // a's submissions kept their order on its chain.
    const seqOf = async (decisionId: string) =>
      (await db.event.findFirstOrThrow({ where: { subjectId: decisionId, type: "intent.decided" } })).seq;
    expect(await seqOf(one.result.decisionId)).toBeLessThan(await seqOf(two.result.decisionId));
    expect((await verifyChain(db, a.id)).ok).toBe(true);
  });

  it("when a batch ends, every slot free is used: another tenant waiting behind it starts at once", async () => {
    const [a, c, d] = [tenants[0]!, tenants[1]!, tenants[2]!];
    const committer = new GroupCommitter(db.pool, { windowMs: 0, maxBatch: 2, maxInFlight: 2 });
    const hold = async (t: TenantFixture) => {
      const holder = await db.pool.connect();
      await holder.query("BEGIN");
      const locked = holder.query(`SELECT seq FROM "ChainHead" WHERE "tenantId" = $1 FOR UPDATE`, [t.id]);
      let released = false;
      return {
        locked,
        release: async () => {
          if (released) return;
          released = true;
          await locked;
          await holder.query("COMMIT");
          holder.release();
        },
      };
    };
    const waitingOnLocks = async () =>
      Number(
        (
          await db.pool.query(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          )
        ).rows[0].n,
      );
    const holdA = await hold(a);
    const holdD = await hold(d);
    await Promise.all([holdA.locked, holdD.locked]);
    let holdAgain: Awaited<ReturnType<typeof hold>> | undefined;
    let later: ReturnType<typeof committer.submit>[] = [];
    try {
      // X = [a1, c1] waits for a's head, Y = [d1] for d's.
      const x = [committer.submit(prepare(a, "s-a1")), committer.submit(prepare(c, "s-c1"))];
      await expect.poll(() => committer.batchSizes).toEqual([2]);
      const y = committer.submit(prepare(d, "s-d1"));
      await expect.poll(() => committer.batchSizes).toEqual([2, 1]);
      later = [prepare(a, "s-a2"), prepare(a, "s-a3"), prepare(c, "s-c2")].map((item) =>
        committer.submit(item),
      );
      await expect.poll(waitingOnLocks).toBe(2);
      // Y ends: a slot is free, but a and c are still being committed.
      await holdD.release();
      expect((await y).status).toBe(201);
      expect(committer.waiting).toBe(3);
      // Someone else queues for a's head behind X, so that X's successor for a waits again.
      holdAgain = await hold(a);
      await expect.poll(waitingOnLocks).toBe(2);
      await holdA.release();
      expect((await Promise.all(x)).map((o) => o.status)).toEqual([201, 201]);
      // X ended: [a2, a3] starts (and waits for a's head), and so does [c2] in the other slot.
      let c2Settled = false;
      void later[2]!.finally(() => (c2Settled = true));
      await expect.poll(() => c2Settled, { timeout: 5_000 }).toBe(true);
      expect(committer.batchSizes).toEqual([2, 1, 2, 1]);
      expect(c2Settled).toBe(true);
    } finally {
      await holdA.release();
      await holdD.release();
      await holdAgain?.release();
      await Promise.allSettled(later);
    }
    expect((await Promise.all(later)).map((o) => o.status)).toEqual([201, 201, 201]);
    expect(await db.intent.count({ where: { idempotencyKey: { startsWith: `gc-${process.pid}-s-` } } })).toBe(
      6,
    );
    expect((await verifyChain(db, a.id)).ok).toBe(true);
  });
});

describe("limits inside one batch count as one at a time", () => {
  it("burst 3 and 6 at once: exactly 3 decided, 3 refused RATE_LIMITED with Retry-After; 3 tokens gone", async () => {
    const t = await seedTenant(db, "gcrate", { ratePerSecond: 0.01, burst: 3, maxPending: 1000 });
    const results = await settle(
      Array.from({ length: 6 }, (_, i) => submitIntent(db, client(t), intentBody({ target: `r-${i}` }))),
    );
    const refused = results.filter((r) => "error" in r) as { error: ServiceError }[];
    expect(results.filter((r) => "value" in r)).toHaveLength(3);
    expect(refused.map((r) => r.error.details.reason)).toEqual([
      "RATE_LIMITED",
      "RATE_LIMITED",
      "RATE_LIMITED",
    ]);
    expect(refused.every((r) => (r.error.details.retryAfterSeconds ?? 0) >= 1)).toBe(true);
    expect(await db.decision.count({ where: { tenantId: "gcrate" } })).toBe(3);
    const bucket = await db.$queryRaw<
      { tokens: number }[]
    >`SELECT tokens FROM "RateBucket" WHERE "tenantId" = 'gcrate'`;
    expect(bucket[0]!.tokens).toBeLessThan(1);
  });

  it("a tenant whose bucket row is gone gets a full one: 8 submissions at once all decided, chain gapless", async () => {
    const t = await seedTenant(db, "gcnobucket", { ratePerSecond: 0.01, burst: 50, maxPending: 1000 });
    await db.$executeRaw`DELETE FROM "RateBucket" WHERE "tenantId" = 'gcnobucket'`;
    const results = await settle(
      Array.from({ length: 8 }, (_, i) => submitIntent(db, client(t), intentBody({ target: `nb-${i}` }))),
    );
    expect(results.filter((r) => "value" in r)).toHaveLength(8);
    const bucket = await db.$queryRaw<
      { tokens: number }[]
    >`SELECT tokens FROM "RateBucket" WHERE "tenantId" = 'gcnobucket'`;
    expect(Math.floor(bucket[0]!.tokens)).toBe(42);
    expect((await verifyChain(db, "gcnobucket")).ok).toBe(true);
  });

  it("maxPending 2 and 5 allowed intents at once: exactly 2 queued, 3 refused QUEUE_FULL; the counter on the head says 2", async () => {
    const t = await seedTenant(db, "gcfull", { ratePerSecond: 1000, burst: 1000, maxPending: 2 });
    const results = await settle([
      ...Array.from({ length: 5 }, (_, i) => submitIntent(db, client(t), intentBody({ target: `q-${i}` }))),
    ]);
    const refused = results.filter((r) => "error" in r) as { error: ServiceError }[];
    expect(results.filter((r) => "value" in r)).toHaveLength(2);
    expect(refused.map((r) => r.error.details.reason)).toEqual(["QUEUE_FULL", "QUEUE_FULL", "QUEUE_FULL"]);
    expect(await pendingOnHead("gcfull")).toBe(2);
    expect(await pendingCounted("gcfull")).toBe(2);
  });

  it("a suspended tenant's submissions in a batch are refused 403; the other tenant's are decided", async () => {
    const t = await seedTenant(db, "gcsusp", WIDE);
    await updateTenant(db, PLATFORM_ADMIN, "gcsusp", { status: "suspended" });
    const results = await settle([
      submitIntent(db, client(t), intentBody()),
      submitIntent(db, client(tenants[3]!), intentBody()),
    ]);
    expect("value" in results[1]!).toBe(true);
    expect((results[0] as { error: ServiceError }).error.details.reason).toBe("TENANT_SUSPENDED");
    expect(await db.decision.count({ where: { tenantId: "gcsusp" } })).toBe(0);
  });
});

describe("a batch that fails", () => {
  it("is decided again one by one: the poisoned submission gets its error, the others are decided, nothing half-written", async () => {
    // A real database failure for one row only: a trigger that refuses one target.
    await db.$executeRawUnsafe(`
      CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.body->>'target' = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF;
        RETURN NEW;
      END $$`);
    await db.$executeRawUnsafe(
      `CREATE TRIGGER refuse_poison BEFORE INSERT ON "Intent" FOR EACH ROW EXECUTE FUNCTION refuse_poison()`,
    );
    try {
      const committer = committerFor(db.pool);
      const before = committer.batchSizes.length;
      const t = tenants[3]!;
      const targets = ["ok-1", "ok-2", "poison", "ok-3", "ok-4"];
      // And one key with two contents, in this order: decided again one at a time, the first wins.
      const shared = intentBody({ target: "ok-first" });
      const results = await settle([
        ...targets.map((target) => submitIntent(db, client(t), intentBody({ target }))),
        submitIntent(db, client(t), shared),
        submitIntent(db, client(t), { ...shared, target: "ok-second" }),
      ]);
      expect(Math.max(...committer.batchSizes.slice(before))).toBeGreaterThan(1);
      expect(results.map((r) => "value" in r)).toEqual([true, true, false, true, true, true, false]);
      expect(String((results[2] as { error: Error }).error)).toContain("poisoned row");
      expect((results[6] as { error: ServiceError }).error.details.reason).toBe("IDEMPOTENCY_KEY_REUSED");
      const stored = await db.intent.findMany({
        where: { tenantId: t.id, body: { path: ["target"], string_starts_with: "ok-" } },
      });
      expect(stored.map((i) => (i.body as { target: string }).target).sort()).toEqual([
        "ok-1",
        "ok-2",
        "ok-3",
        "ok-4",
        "ok-first",
      ]);
      expect((await verifyChain(db, t.id)).ok).toBe(true);
    } finally {
      await db.$executeRawUnsafe(`DROP TRIGGER refuse_poison ON "Intent"`);
      await db.$executeRawUnsafe(`DROP FUNCTION refuse_poison()`);
    }
  });
});

describe("back-pressure", () => {
  it("beyond 8 batches' worth waiting, a submission is refused 503 COMMIT_QUEUE_FULL with Retry-After, unwritten", async () => {
    const t = tenants[1]!;
    const committer = new GroupCommitter(db.pool, { windowMs: 0, maxBatch: 1, maxInFlight: 1 });
    const before = await db.intent.count({ where: { tenantId: t.id } });
    const prepared = Array.from({ length: 12 }, (_, i) => ({
      principal: client(t) as Submission["principal"],
      idempotencyKey: `bp-${process.pid}-${i}`,
      submission: intentBody({ target: `bp-${i}` }) as Submission["submission"],
      submissionHash: `hash-${i}`,
      now: new Date(),
    }));
    const results = await settle(prepared.map((item) => committer.submit(item)));
    const refused = results.filter((r) => "error" in r) as { error: ServiceError }[];
    // One batch in flight at once (it started on the first), 8 waiting: the rest refused.
    expect(results.filter((r) => "value" in r)).toHaveLength(9);
    expect(
      refused.map((r) => [r.error.status, r.error.details.reason, r.error.details.retryAfterSeconds]),
    ).toEqual(Array.from({ length: 3 }, () => [503, "COMMIT_QUEUE_FULL", 1]));
    expect(await db.intent.count({ where: { tenantId: t.id } })).toBe(before + 9);
  });

  // One tenant's flood filled the queue, and every other tenant's submission on that instance was
  // refused 503 until it drained (SECURITY.md L6). Beyond the bound only a tenant holding a quarter
  // of it is refused; everyone else may queue up to twice the bound, which still caps memory.
  it("one tenant's flood does not refuse another tenant's submission", async () => {
    const [flooder, other] = [tenants[2]!, tenants[3]!];
    // One batch in flight, 8 waiting at most: the bound.
    const committer = new GroupCommitter(db.pool, { windowMs: 0, maxBatch: 1, maxInFlight: 1 });
    const flood = Array.from({ length: 12 }, (_, i) => committer.submit(prepare(flooder, `flood-${i}`)));
    const others = [committer.submit(prepare(other, "other-1")), committer.submit(prepare(other, "other-2"))];
    const [flooded, answered] = await Promise.all([settle(flood), settle(others)]);
    expect(flooded.filter((r) => "value" in r)).toHaveLength(9);
    expect(
      (flooded.filter((r) => "error" in r) as { error: ServiceError }[]).map((r) => r.error.details.reason),
    ).toEqual(["COMMIT_QUEUE_FULL", "COMMIT_QUEUE_FULL", "COMMIT_QUEUE_FULL"]);
    expect(answered.map((r) => ("value" in r ? r.value.status : (r.error as ServiceError).status))).toEqual([
      201, 201,
    ]);
  });

  it("beyond twice the bound everyone is refused, and a tenant holding a quarter of the bound is refused past it", async () => {
    const extra = await Promise.all(["gcfair-a", "gcfair-b"].map((id) => seedTenant(db, id, WIDE)));
    const committer = new GroupCommitter(db.pool, { windowMs: 0, maxBatch: 1, maxInFlight: 1 });
    const pending: Promise<unknown>[] = [];
    const submit = (t: TenantFixture, name: string) => {
      const call = committer.submit(prepare(t, name));
      pending.push(call.catch(() => {}));
      return call;
    };
    const refusal = (call: Promise<unknown>) =>
      call.then(
        () => "decided",
        (error: ServiceError) => error.details.reason,
      );
    // 1 in flight and 8 waiting (the bound, all of tenant 0), then two of each of four other tenants: 16 waiting.
    for (let i = 0; i < 9; i++) void submit(tenants[0]!, `full-${i}`);
    for (const t of [tenants[1]!, tenants[2]!, tenants[3]!, extra[0]!])
      for (let i = 0; i < 2; i++) void submit(t, `share-${t.id}-${i}`);
    // A third from a tenant already holding a quarter of the bound, and a first one at twice the bound.
    const third = refusal(submit(tenants[1]!, "third"));
    const first = refusal(submit(extra[1]!, "first"));
    expect([await third, await first]).toEqual(["COMMIT_QUEUE_FULL", "COMMIT_QUEUE_FULL"]);
    await Promise.all(pending);
  });
});

describe("the pending counter", () => {
  it("follows every execution through the dispatcher while submissions keep coming: equal to the count, 0 when all ran", async () => {
    const t = await seedTenant(db, "gcpend", WIDE);
    const worker = startWorker({ pool: db.pool, pollMs: 10, concurrency: 8 });
    try {
      const waves = Array.from({ length: 5 }, (_, w) =>
        Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            submitIntent(db, client(i % 2 ? t : tenants[0]!), intentBody({ target: `p-${w}-${i}` })),
          ),
        ),
      );
      await Promise.all(waves);
      for (let i = 0; i < 300 && (await pendingCounted("gcpend")) > 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await worker.stop(2_000);
    }
    expect(await pendingCounted("gcpend")).toBe(0);
    expect(await pendingOnHead("gcpend")).toBe(0);
    expect(await db.execution.count({ where: { tenantId: "gcpend", status: "SUCCEEDED" } })).toBe(50);
    for (const id of ["gcpend", tenants[0]!.id]) {
      expect(await pendingOnHead(id)).toBe(await pendingCounted(id));
      expect((await verifyChain(db, id)).ok).toBe(true);
    }
  });

  it("is kept by the trigger whoever writes: a status changed or a row deleted by hand moves it too", async () => {
    const t = await seedTenant(db, "gchand", WIDE);
    const { result } = await submitIntent(db, client(t), intentBody());
    expect(await pendingOnHead("gchand")).toBe(1);
    await db.execution.update({ where: { id: result.executionId! }, data: { status: "FAILED" } });
    expect(await pendingOnHead("gchand")).toBe(0);
    await db.execution.update({ where: { id: result.executionId! }, data: { status: "RETRY_WAIT" } });
    expect(await pendingOnHead("gchand")).toBe(1);
    await db.execution.delete({ where: { id: result.executionId! } });
    expect(await pendingOnHead("gchand")).toBe(0);
  });
});
