import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../../server/db/pool";
import { createTestDatabase } from "../support/db";
import { until } from "../support/wait";

/**
 * A PostgreSQL restart terminates every session (57P01). A connection that is checked out but
 * between statements reports that as an 'error' event on its pg client; without a listener Node
 * throws it and the process dies (CI saw `exoarmur worker` exit 1 that way). Every connection of
 * our pools carries a listener for its whole life: the error surfaces as the next statement's
 * failure instead, and the pool discards the connection.
 */
let url: string;
let admin: pg.Client;

beforeAll(async () => {
  const created = await createTestDatabase();
  url = created.url;
  await created.db.$disconnect();
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
});

const terminate = async (pid: number) => {
  await admin.query("SELECT pg_terminate_backend($1)", [pid]);
};

describe("a pool's connection terminated by the server while checked out and idle", () => {
  it("does not crash the process: the next statement fails, and the pool replaces the connection", async () => {
    const pool = createPool(url, 2);
    try {
      const client = await pool.connect();
      const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
      await terminate(pid);
      // The client learns of it from the socket; wait until it has (no active query: an 'error' event).
      await until(
        async () => (client as unknown as { _queryable: boolean })._queryable,
        (queryable) => queryable === false,
      );
      await expect(client.query("SELECT 1")).rejects.toThrow(/not queryable/);
      client.release(new Error("terminated"));
      const again = await pool.query("SELECT 1 AS one");
      expect(again.rows[0].one).toBe(1);
      expect(pool.totalCount).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it("a connection that errors while idle in the pool is dropped, and the pool answers again", async () => {
    const pool = createPool(url, 2);
    try {
      const client = await pool.connect();
      const pid = (await client.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
      client.release();
      await terminate(pid);
      await until(
        async () => pool.totalCount,
        (n) => n === 0,
      );
      expect((await pool.query("SELECT 2 AS two")).rows[0].two).toBe(2);
    } finally {
      await pool.end();
    }
  });
});
