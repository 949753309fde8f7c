import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../server/db/client";
import { pipeline } from "../../server/db/pipeline";
import { inTransaction } from "../../server/services/shared/transaction";
import { createTestDatabase } from "../support/db";

/** Statements in one round trip (server/db/pipeline.ts), against a real PostgreSQL. */
let db: Db;

beforeAll(async () => {
  ({ db } = await createTestDatabase());
  await db.pool.query(`CREATE TABLE pipeline_t (id int PRIMARY KEY, note text NOT NULL, doc jsonb)`);
});

afterAll(async () => {
  await db?.$disconnect();
});

async function withClient<T>(work: (sql: pg.PoolClient) => Promise<T>): Promise<T> {
  const sql = await db.pool.connect();
  try {
    return await work(sql);
  } finally {
    sql.release();
  }
}

const preparedOn = async (sql: pg.PoolClient) =>
  (await sql.query(`SELECT name FROM pg_prepared_statements ORDER BY name`)).rows.map((r) => r.name);

describe("pipeline", () => {
  it("runs the statements in order and returns each one's rows, typed as node-postgres types them", async () => {
    const rows = await withClient((sql) =>
      pipeline(sql, [
        {
          text: `INSERT INTO pipeline_t (id, note, doc) SELECT i, n, d::jsonb FROM unnest($1::int[], $2::text[], $3::text[]) AS x(i, n, d) RETURNING id`,
          values: [
            [1, 2],
            ['it\'s \\ "quoted"', "ünïcödé ✓"],
            [JSON.stringify({ a: [1, "x"] }), "null"],
          ],
        },
        { name: "pipeline_read", text: `SELECT id, note, doc, id > 1 AS big FROM pipeline_t ORDER BY id` },
        { text: `SELECT count(*)::int AS n, now() AS at FROM pipeline_t` },
      ]),
    );
    expect(rows[0]).toEqual([{ id: 1 }, { id: 2 }]);
    expect(rows[1]).toEqual([
      { id: 1, note: 'it\'s \\ "quoted"', doc: { a: [1, "x"] }, big: false },
      { id: 2, note: "ünïcödé ✓", doc: null, big: true },
    ]);
    expect(rows[2]![0]!.n).toBe(2);
    expect(rows[2]![0]!.at).toBeInstanceOf(Date);
  });

  it("a named statement is prepared once per connection and reused", async () => {
    await withClient(async (sql) => {
      const read = {
        name: "pipeline_count",
        text: `SELECT count(*)::int AS n FROM pipeline_t WHERE id > $1`,
        values: [0],
      };
      expect((await pipeline(sql, [read]))[0]).toEqual([{ n: 2 }]);
      expect(await preparedOn(sql)).toContain("pipeline_count");
      expect(await pipeline(sql, [{ ...read, values: [1] }, read])).toEqual([[{ n: 1 }], [{ n: 2 }]]);
      // The same name for another statement is refused before anything is sent.
      await expect(pipeline(sql, [{ name: "pipeline_count", text: "SELECT 1" }])).rejects.toThrow(
        /pipeline_count was used for a different statement/,
      );
      // And node-postgres's own queries share the record.
      expect((await sql.query({ ...read, values: [1] })).rows).toEqual([{ n: 1 }]);
    });
  });

  it("a statement that fails: the rest is not run, the error is its own, the connection works after", async () => {
    await withClient(async (sql) => {
      const error = await pipeline(sql, [
        { text: `INSERT INTO pipeline_t (id, note) VALUES (3, 'three')` },
        { text: `INSERT INTO pipeline_t (id, note) VALUES (1, 'duplicate')` },
        { text: `INSERT INTO pipeline_t (id, note) VALUES (4, 'four')` },
      ]).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe("23505");
      // Outside a transaction block the pipeline is one implicit transaction: nothing of it stays.
      expect((await sql.query(`SELECT id FROM pipeline_t ORDER BY id`)).rows).toEqual([{ id: 1 }, { id: 2 }]);
      // A bad parameter is refused by the server, and the connection goes on.
      await expect(
        pipeline(sql, [{ text: `SELECT $1::int AS n`, values: ["not a number"] }]),
      ).rejects.toThrow(/invalid input syntax for type integer/);
      expect((await pipeline(sql, [{ text: `SELECT 7 AS n` }]))[0]).toEqual([{ n: 7 }]);
    });
  });

  it("a value that cannot be sent fails the call before anything is sent: nothing runs, the connection is in step", async () => {
    await withClient(async (sql) => {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expect(
        pipeline(sql, [
          { text: `INSERT INTO pipeline_t (id, note) VALUES (50, 'fifty') RETURNING id` },
          { text: `SELECT $1::jsonb AS doc`, values: [circular] },
        ]),
      ).rejects.toThrow(/circular/i);
      // The next query gets its own answer, not the remains of a half-sent pipeline.
      expect((await sql.query(`SELECT 42 AS n`)).rows).toEqual([{ n: 42 }]);
      expect((await sql.query(`SELECT count(*)::int AS n FROM pipeline_t WHERE id = 50`)).rows[0].n).toBe(0);
    });
  });

  it("a named statement that does not parse is not remembered: fixed, it is prepared afresh", async () => {
    await withClient(async (sql) => {
      await expect(pipeline(sql, [{ name: "pipeline_bad", text: "SELEC 1" }])).rejects.toThrow(
        /syntax error/,
      );
      expect(await preparedOn(sql)).not.toContain("pipeline_bad");
      await expect(pipeline(sql, [{ name: "pipeline_bad", text: "SELECT 1 AS one" }])).resolves.toEqual([
        [{ one: 1 }],
      ]);
    });
  });
});

describe("executeAndCommit in a transaction", () => {
  it("writes and commits together; a failing last statement commits nothing of the transaction", async () => {
    await inTransaction(db.pool, async (sql, tx) => {
      await sql.query(`INSERT INTO pipeline_t (id, note) VALUES (10, 'ten')`);
      await tx.commitWith({
        name: "pipeline_insert",
        text: `INSERT INTO pipeline_t (id, note) VALUES ($1, $2)`,
        values: ["11", "eleven"],
      });
    });
    const ids = async () =>
      (await db.pool.query(`SELECT id FROM pipeline_t WHERE id >= 10 ORDER BY id`)).rows.map((r) => r.id);
    expect(await ids()).toEqual([10, 11]);

    const failed = await inTransaction(db.pool, async (sql, tx) => {
      await sql.query(`INSERT INTO pipeline_t (id, note) VALUES (12, 'twelve')`);
      // 11 exists: the insert fails, so its COMMIT never runs and the transaction is rolled back.
      await tx.commitWith({
        name: "pipeline_insert",
        text: `INSERT INTO pipeline_t (id, note) VALUES ($1, $2)`,
        values: ["11", "again"],
      });
    }).catch((e: unknown) => e);
    expect((failed as { code?: string }).code).toBe("23505");
    expect(await ids()).toEqual([10, 11]);
    // The pool's connections are all usable afterwards.
    await Promise.all(Array.from({ length: 5 }, () => db.pool.query("SELECT 1")));
  });

  it("a failing COMMIT (a deferred constraint) is the transaction's error, and nothing is written", async () => {
    await db.pool.query(
      `CREATE TABLE pipeline_parent (id int PRIMARY KEY);
       CREATE TABLE pipeline_child (id int PRIMARY KEY, parent int REFERENCES pipeline_parent DEFERRABLE INITIALLY DEFERRED)`,
    );
    const error = await inTransaction(db.pool, async (_sql, tx) => {
      await tx.commitWith({ text: `INSERT INTO pipeline_child (id, parent) VALUES (1, 99)` });
    }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe("23503");
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM pipeline_child`)).rows[0].n).toBe(0);
  });

  it("concurrent transactions that each end with a pipeline all commit (one connection each)", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        inTransaction(db.pool, (_sql, tx) =>
          tx.commitWith({
            name: "pipeline_insert",
            text: `INSERT INTO pipeline_t (id, note) VALUES ($1, $2)`,
            values: [String(100 + i), "n"],
          }),
        ),
      ),
    );
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM pipeline_t WHERE id >= 100`)).rows[0].n).toBe(
      20,
    );
  });
});
