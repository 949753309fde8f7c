// Several statements in one round trip (issue 13). A decide batch or a claim holds its tenants'
// chain heads from the statement that locks them until COMMIT returns, and every round trip inside
// that window is time the next writer waits — on two busy cores, a trip through both event loops.
// node-postgres sends one query per round trip, so this is a Submittable (its extension point, the
// one pg-cursor uses): Parse/Bind/Describe/Execute of each statement, then one Sync. The server runs
// them in order; after an error it skips the rest up to the Sync (so a COMMIT after a failed
// statement never runs: the transaction is left aborted for the caller's ROLLBACK).

import pg from "pg";

export interface PipelinedStatement {
  /** A prepared-statement name: parsed once per connection, like `sql.query({ name, ... })`. */
  name?: string;
  text: string;
  values?: readonly unknown[];
}

type Row = Record<string, unknown>;

/** The parts of node-postgres's connection a pipeline drives (not all in its type declarations). */
interface WireConnection {
  stream: { cork?: () => void; uncork?: () => void };
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  parse(message: { text: string; name: string; types: unknown[] }): void;
  bind(message: { statement: string; values: readonly unknown[] }): void;
  describe(message: { type: "P"; name: string }): void;
  execute(message: { portal: string; rows: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
}

interface FieldDescription {
  name: string;
  dataTypeID: number;
}

/** node-postgres's own conversion of parameters (arrays, dates, JSON objects, …) to text. */
const prepareValue = (pg as unknown as { utils: { prepareValue: (value: unknown) => unknown } }).utils
  .prepareValue;

/** Handlers node-postgres calls on a Submittable that a pipeline does not need. */
const IGNORED = {
  handlePortalSuspended() {},
  handleCopyInResponse(connection: WireConnection) {
    connection.sendCopyFail("no COPY in a pipeline");
  },
  handleCopyData() {},
};

/**
 * Runs `statements` in order, in one round trip; resolves with the rows of each (parsed as
 * node-postgres parses them), or rejects with the first error. Named statements the connection
 * has not prepared yet are prepared first, one round trip each, once per connection.
 */
export async function pipeline(
  sql: pg.ClientBase,
  statements: readonly PipelinedStatement[],
): Promise<Row[][]> {
  // Parameters are converted before anything is sent: a value that cannot be (a circular object)
  // must fail the call, not leave a pipeline half-written without its Sync.
  const values = statements.map((statement) => (statement.values ?? []).map((value) => prepareValue(value)));
  for (const statement of statements)
    if (statement.name && !known(sql, statement.name, statement.text)) await prepare(sql, statement);
  return new Promise<Row[][]>((resolve, reject) => {
    const results: Row[][] = statements.map(() => []);
    let current = 0;
    let parsers: { name: string; parse: (text: string) => unknown }[] = [];
    // A row that cannot be parsed fails the call once the server is done with it (as in pg's Query).
    let unparsable: Error | undefined;
    const submittable = {
      ...IGNORED,
      // An error returned (not thrown) is passed to handleError by node-postgres.
      submit(connection: WireConnection): Error | undefined {
        connection.stream.cork?.();
        try {
          statements.forEach((statement, i) => {
            if (!statement.name) connection.parse({ text: statement.text, name: "", types: [] });
            connection.bind({ statement: statement.name ?? "", values: values[i]! });
            connection.describe({ type: "P", name: "" });
            connection.execute({ portal: "", rows: 0 });
          });
          connection.sync();
        } catch (error) {
          return error as Error;
        } finally {
          connection.stream.uncork?.();
        }
        return undefined;
      },
      handleRowDescription(message: { fields: FieldDescription[] }) {
        parsers = message.fields.map((field) => ({
          name: field.name,
          parse: pg.types.getTypeParser(field.dataTypeID, "text") as (text: string) => unknown,
        }));
      },
      handleDataRow(message: { fields: (string | null)[] }) {
        if (unparsable) return;
        const row: Row = {};
        try {
          message.fields.forEach((value, i) => {
            const column = parsers[i]!;
            row[column.name] = value === null ? null : column.parse(value);
          });
        } catch (error) {
          unparsable = error as Error;
          return;
        }
        results[current]?.push(row);
      },
      handleCommandComplete() {
        current += 1;
        parsers = [];
      },
      handleEmptyQuery() {
        current += 1;
      },
      // node-postgres detaches the query on an error (the ReadyForQuery that follows is not passed
      // on) and sends nothing else on this connection before that ReadyForQuery arrives.
      handleError(error: Error) {
        reject(error);
      },
      handleReadyForQuery() {
        if (unparsable) reject(unparsable);
        else resolve(results);
      },
    };
    sql.query(submittable as unknown as pg.Submittable);
  });
}

/** Runs `statement`, then COMMIT, in one round trip. */
export async function executeAndCommit(sql: pg.ClientBase, statement: PipelinedStatement): Promise<void> {
  await pipeline(sql, [statement, { text: "COMMIT" }]);
}

function connectionOf(sql: pg.ClientBase): WireConnection {
  return (sql as unknown as { connection: WireConnection }).connection;
}

function known(sql: pg.ClientBase, name: string, text: string): boolean {
  const connection = connectionOf(sql);
  const previous = connection.parsedStatements[name] ?? connection.submittedNamedStatements[name];
  if (previous !== undefined && previous !== text)
    throw new Error(`prepared statement ${name} was used for a different statement`);
  return previous !== undefined;
}

/**
 * Parses a named statement on its own (Parse, Sync). As its `name` and `text`, node-postgres
 * records it as prepared on this connection when the server confirms it, and forgets it on an error.
 */
function prepare(sql: pg.ClientBase, statement: PipelinedStatement): Promise<void> {
  const { name, text } = statement as { name: string; text: string };
  return new Promise<void>((resolve, reject) => {
    const submittable = {
      ...IGNORED,
      name,
      text,
      submit(connection: WireConnection): undefined {
        connection.stream.cork?.();
        try {
          connection.parse({ text, name, types: [] });
          connection.submittedNamedStatements[name] = text;
          connection.sync();
        } finally {
          connection.stream.uncork?.();
        }
        return undefined;
      },
      handleRowDescription() {},
      handleDataRow() {},
      handleCommandComplete() {},
      handleEmptyQuery() {},
      handleError(error: Error) {
        reject(error);
      },
      handleReadyForQuery() {
        resolve();
      },
    };
    sql.query(submittable as unknown as pg.Submittable);
  });
}
