import { json } from "@/server/api/http";
import { getDb } from "@/server/db/client";
import { pendingMigrations } from "@/server/db/migrate";

export const dynamic = "force-dynamic";

/** 200 when the database answers and every migration is applied; 503 otherwise, saying which. */
export async function GET() {
  try {
    const db = getDb();
    const pending = await pendingMigrations((sql) => db.$queryRawUnsafe(sql));
    const ok = pending.length === 0;
    return json(
      { status: ok ? "ok" : "degraded", database: "up", migrations: ok ? "current" : { pending } },
      ok ? 200 : 503,
    );
  } catch (error) {
    return json(
      { status: "down", database: "unreachable", error: (error as Error).message.split("\n")[0] },
      503,
    );
  }
}
