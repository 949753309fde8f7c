// Transactions, in the two styles of the data-access rule (docs/ARCHITECTURE.md): Prisma
// interactive transactions for use cases, raw pg BEGIN … COMMIT for the measured hot paths.

import type pg from "pg";
import type { Db } from "../../db/client";
import type { Prisma } from "../../db/generated/client";
import { executeAndCommit, type PipelinedStatement, pipeline } from "../../db/pipeline";

export type Tx = Prisma.TransactionClient;

/** Interactive transactions wait for a pooled connection under load rather than failing after Prisma's 2 s default. */
export const TX_OPTIONS = { maxWait: 15_000, timeout: 20_000 } as const;

/**
 * Reads that must see one moment. Prisma reads each relation of an `include` with a statement of
 * its own, and under READ COMMITTED each statement has a snapshot of its own, so a read racing a
 * commit could mix before and after (an approval APPROVED without the execution its vote created).
 * REPEATABLE READ gives every statement of the transaction one snapshot; reading only, it never
 * fails to serialize.
 */
export function readInSnapshot<T>(db: Db, read: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(read, SNAPSHOT_OPTIONS);
}

/**
 * A read waits for a pooled connection as a plain query does (the pool has no limit): with the use
 * cases' 15 s, a busy pool turned a read into a 503, after a caller's start or report had already
 * committed. Two minutes only bounds a read that hangs.
 */
const SNAPSHOT_OPTIONS = { maxWait: 120_000, timeout: 120_000, isolationLevel: "RepeatableRead" } as const;

/** How a transaction's work may end it itself: its last statement sent together with COMMIT. */
export interface TransactionEnd {
  /** Runs `statement` and commits, in one round trip (db/pipeline.ts); nothing may follow. */
  commitWith(statement: PipelinedStatement): Promise<void>;
}

/**
 * BEGIN … COMMIT on one pooled connection; a connection whose ROLLBACK failed is discarded.
 * `preamble`, sent with BEGIN in one round trip without parameters, is one statement built from
 * numbers only, never from input text (one: with an opening statement it is sent as a statement of
 * a pipeline, which takes one command each).
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (sql: pg.PoolClient, tx: TransactionEnd) => Promise<T>,
  preamble?: string,
): Promise<T> {
  return inTransactionOpening(pool, { preamble }, (sql, _opened, tx) => work(sql, tx));
}

/**
 * `inTransaction` whose first statement goes with BEGIN (and the preamble) in one round trip
 * (db/pipeline.ts); `work` gets that statement's rows.
 */
export async function inTransactionOpening<T>(
  pool: pg.Pool,
  opening: { preamble?: string | undefined; statement?: PipelinedStatement },
  work: (sql: pg.PoolClient, opened: Record<string, unknown>[], tx: TransactionEnd) => Promise<T>,
): Promise<T> {
  const { preamble, statement } = opening;
  const sql = await pool.connect();
  let broken: Error | undefined;
  // A connection the server drops between two statements (a PostgreSQL restart) reports it as an
  // 'error' event on the checked-out client, which kills the process without a listener; the next
  // statement fails anyway, and the connection is discarded below.
  const onError = (error: Error) => {
    broken = error;
  };
  sql.on("error", onError);
  let committed = false;
  const end: TransactionEnd = {
    commitWith: async (statement) => {
      await executeAndCommit(sql, statement);
      committed = true;
    },
  };
  try {
    let opened: Record<string, unknown>[] = [];
    if (statement) {
      const results = await pipeline(sql, [
        { text: "BEGIN" },
        ...(preamble ? [{ text: preamble }] : []),
        statement,
      ]);
      opened = results.at(-1)!;
    } else await sql.query(preamble ? `BEGIN; ${preamble}` : "BEGIN");
    const result = await work(sql, opened, end);
    if (!committed) await sql.query("COMMIT");
    return result;
  } catch (error) {
    await sql.query("ROLLBACK").catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    sql.removeListener("error", onError);
    sql.release(broken);
  }
}
