// Writes that need no WAL flush of their own. A statement that references this CTE commits with
// synchronous_commit off for its own (implicit) transaction only: it returns without waiting for
// the disk, and holds its row locks for microseconds instead of across an fsync. Only for state
// whose loss in a crash is harmless and that nothing outside the database reports as done:
// the admission buckets' levels (a lost debit refills them a little early) and the relay's
// "published" marks (a lost mark republishes events that JetStream drops as duplicates). Every
// later durable commit flushes the WAL up to itself, so such a write is lost only together with
// everything that committed after it.

/** A CTE named `async_commit` with one row (`off`); the statement must read it, e.g. `FROM async_commit`. */
export const ASYNC_COMMIT_CTE = `async_commit AS (SELECT set_config('synchronous_commit', 'off', true) AS off)`;
