// GET /api/health: 200 when the database answers and every migration is applied; 503 otherwise,
// saying which. The event stream's state is reported but does not fail the check: when JetStream
// is away the product keeps deciding and the events wait in the outbox — `behind` says how many.

import type { Db } from "../db/client";
import { pendingMigrations } from "../db/migrate";
import { outboxLag } from "./chain/outbox";

export async function healthReport(
  openDb: () => Db,
  streamEnabled: boolean,
): Promise<{ status: 200 | 503; body: unknown }> {
  try {
    const db = openDb();
    const pending = await pendingMigrations((sql) => db.$queryRawUnsafe(sql));
    const behind = await outboxLag(db.pool);
    const ok = pending.length === 0;
    const stream = streamEnabled ? (behind === 0 ? "current" : "behind") : "disabled";
    return {
      status: ok ? 200 : 503,
      body: {
        status: ok ? "ok" : "degraded",
        database: "up",
        migrations: ok ? "current" : { pending },
        stream: { status: stream, behind },
      },
    };
  } catch (error) {
    return {
      status: 503,
      body: { status: "down", database: "unreachable", error: (error as Error).message.split("\n")[0] },
    };
  }
}
