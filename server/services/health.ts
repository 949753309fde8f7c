// GET /api/health: 200 when the database answers and every migration is applied; 503 otherwise,
// saying which. The event stream's state is reported but does not fail the check: when JetStream
// is away the product keeps deciding and the events wait in the outbox — `behind` says how many.
// In embedded mode the server's own children are reported too (`children`: state and restarts):
// while a dead embedded PostgreSQL is being restarted the database is "restarting", not
// "unreachable", and while the local nats-server is, so is the stream.

import type { ChildName, ChildStatus } from "../children";
import type { Db } from "../db/client";
import { pendingMigrations } from "../db/migrate";
import { outboxLag } from "./chain/outbox";

export async function healthReport(
  openDb: () => Db,
  streamEnabled: boolean,
  children: Partial<Record<ChildName, ChildStatus>> = {},
): Promise<{ status: 200 | 503; body: unknown }> {
  const supervised = Object.keys(children).length > 0 ? { children } : {};
  try {
    const db = openDb();
    const pending = await pendingMigrations((sql) => db.$queryRawUnsafe(sql));
    const behind = await outboxLag(db.pool);
    const ok = pending.length === 0;
    const stream = !streamEnabled
      ? "disabled"
      : children["nats-server"]?.state === "restarting"
        ? "restarting"
        : behind === 0
          ? "current"
          : "behind";
    return {
      status: ok ? 200 : 503,
      body: {
        status: ok ? "ok" : "degraded",
        database: "up",
        migrations: ok ? "current" : { pending },
        stream: { status: stream, behind },
        ...supervised,
      },
    };
  } catch (error) {
    return {
      status: 503,
      body: {
        status: "down",
        database: children.postgres?.state === "restarting" ? "restarting" : "unreachable",
        error: firstLine(error),
        ...supervised,
      },
    };
  }
}

/** Prisma's messages start with blank lines and the invocation; the driver's may be empty (AggregateError). */
function firstLine(error: unknown): string {
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  const lines = typeof message === "string" ? message.split("\n").map((l) => l.trim()) : [];
  const useful = lines.filter((l) => l && !/^Invalid `.*` invocation/.test(l));
  return useful[0] ?? (typeof code === "string" ? code : String(error));
}
