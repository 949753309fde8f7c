import { json } from "@/server/api/http";
import { getDb } from "@/server/db/client";
import { pendingMigrations } from "@/server/db/migrate";
import { outboxLag } from "@/server/events/relay";

export const dynamic = "force-dynamic";

/**
 * 200 when the database answers and every migration is applied; 503 otherwise, saying which.
 * The event stream's state is reported but does not fail the check: when JetStream is away the
 * product keeps deciding and the events wait in the outbox — `behind` says how many.
 */
export async function GET() {
  try {
    const db = getDb();
    const pending = await pendingMigrations((sql) => db.$queryRawUnsafe(sql));
    const behind = await outboxLag(db.pool);
    const ok = pending.length === 0;
    const stream =
      process.env.EXOARMUR_STREAM === "enabled" ? (behind === 0 ? "current" : "behind") : "disabled";
    return json(
      {
        status: ok ? "ok" : "degraded",
        database: "up",
        migrations: ok ? "current" : { pending },
        stream: { status: stream, behind },
      },
      ok ? 200 : 503,
    );
  } catch (error) {
    return json(
      { status: "down", database: "unreachable", error: (error as Error).message.split("\n")[0] },
      503,
    );
  }
}
