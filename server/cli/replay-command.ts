// `exoarmur replay --from-stream`: the stream as an independent copy of every tenant's chain.

import type { Command } from "commander";
import { resolveDatabaseUrl } from "./database-command";
import type { CommandIO } from "./verify-command";

export function registerReplayCommand(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
  program
    .command("replay")
    .description(
      "rebuild each tenant's chain from the JetStream stream alone, verify it, and cross-check it with the database",
    )
    .requiredOption("--from-stream", "read the events from the EXOARMUR_EVENTS stream")
    .option("--tenant <id>", "only this tenant")
    .option("--nats-url <url>", "NATS with JetStream (default: NATS_URL)")
    .option("--database-url <url>", "PostgreSQL (default: DATABASE_URL, else the running embedded server's)")
    .option("--json", "print the machine-readable report")
    .action(async (options: { tenant?: string; natsUrl?: string; databaseUrl?: string; json?: boolean }) => {
      const natsUrl = options.natsUrl ?? process.env.NATS_URL;
      const url = resolveDatabaseUrl(options.databaseUrl);
      if (!natsUrl || !url) {
        io.err(
          `exoarmur replay: ${!natsUrl ? "no NATS: pass --nats-url or set NATS_URL" : "no database: set DATABASE_URL or --database-url, or start the server"}`,
        );
        return setExit(2);
      }
      const { connectJetStream } = await import("../events/jetstream");
      const { replayFromStream, consistent } = await import("../events/replay");
      const { createDb } = await import("../db/client");
      const db = createDb(url, 2);
      let jetstream: Awaited<ReturnType<typeof connectJetStream>> | null = null;
      try {
        jetstream = await connectJetStream(natsUrl, "exoarmur-replay");
        const reports = await replayFromStream(db, jetstream, options.tenant);
        if (options.json)
          io.out(JSON.stringify({ ok: reports.every(consistent), tenants: reports }, null, 2));
        else {
          for (const r of reports) {
            const head = `${r.tenantId}: ${r.streamEvents} events in the stream, ${r.databaseEvents} in the database${r.unpublished ? ` (${r.unpublished} not yet published)` : ""}`;
            if (consistent(r)) io.out(`${head} — consistent, chain verifies`);
            else {
              io.err(`${head} — INCONSISTENT`);
              if (!r.chain.ok)
                io.err(`  stream chain broken at seq ${r.chain.firstBrokenSeq}: ${r.chain.problem}`);
              if (r.missing.length) io.err(`  missing from the stream: seq ${r.missing.join(", ")}`);
              if (r.extra.length)
                io.err(`  in the stream but not in the database: seq ${r.extra.join(", ")}`);
              for (const d of r.differing) io.err(`  seq ${d.seq}: ${d.problem}`);
            }
          }
        }
        setExit(reports.every(consistent) ? 0 : 1);
      } catch (error) {
        io.err(`exoarmur replay: ${(error as Error).message}`);
        setExit(2);
      } finally {
        await jetstream?.nc.close().catch(() => {});
        await db.$disconnect();
      }
    });
}
