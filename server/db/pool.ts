// Every pg pool of the process. A PostgreSQL restart terminates each session (57P01); a connection
// that is checked out but between statements (a transaction's client between two statements, the
// relay's leader, one of Prisma's transactions) reports that as an 'error' event on its client,
// and an 'error' event without a listener kills the process. So each connection carries a listener
// for its whole life: the error then surfaces as its next statement's failure, and pg-pool discards
// a connection that is no longer queryable when it comes back. Idle connections' errors reach the
// pool's own 'error' event, handled here too: the next query simply opens a new connection.

import pg from "pg";

const ignore = () => {};

export function createPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", ignore);
  pool.on("connect", (client) => client.on("error", ignore));
  return pool;
}
