// `exoarmur worker`: a dispatcher process. Runs until SIGTERM/SIGINT, then stops claiming, lets
// running attempts finish (or hands them back), and exits 0. Any number may run, on any machine.

import type { Command } from "commander";
import { ensureSecretKey } from "../crypto/secret-key";
import { allowedNetworksFromEnv } from "../net/destination";
import { resolveDatabaseUrl } from "./database-command";
import type { CommandIO } from "./verify-command";

export function registerWorkerCommand(
  program: Command,
  io: CommandIO,
  setExit: (code: number) => void,
): void {
  program
    .command("worker")
    .description(
      "run a dispatcher: claim due executions, run them through their executor, record the outcome",
    )
    .option(
      "--database-url <url>",
      "PostgreSQL to work on (default: DATABASE_URL, else the running embedded server's)",
    )
    .option("--concurrency <n>", "executions in flight at once", "8")
    .option(
      "--lease-ms <ms>",
      "how long a claim lasts without a recorded result (default: EXOARMUR_LEASE_MS or 10000)",
    )
    .option("--poll-ms <ms>", "sleep between polls of an empty queue", "200")
    .option(
      "--nats-url <url>",
      "also run the outbox relay, publishing committed events to this NATS JetStream (default: NATS_URL)",
    )
    .action(
      async (options: {
        databaseUrl?: string;
        concurrency: string;
        leaseMs?: string;
        pollMs: string;
        natsUrl?: string;
      }) => {
        const url = resolveDatabaseUrl(options.databaseUrl);
        if (!url) {
          io.err(
            "exoarmur worker: no database: start the server (npm start) or set DATABASE_URL / --database-url",
          );
          return setExit(2);
        }
        const numbers = {
          concurrency: Number(options.concurrency),
          pollMs: Number(options.pollMs),
          leaseMs: options.leaseMs === undefined ? undefined : Number(options.leaseMs),
        };
        for (const [name, value] of Object.entries(numbers)) {
          if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
            io.err(
              `exoarmur worker: --${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a positive whole number`,
            );
            return setExit(2);
          }
        }
        // What every attempt depends on, checked before the first claim: a worker that cannot open
        // the webhook secrets, or has a malformed list of allowed networks, must not take work.
        try {
          ensureSecretKey({
            dataDir: process.env.EXOARMUR_DATA_DIR ?? ".exoarmur",
            create: false,
            log: io.err,
          });
          allowedNetworksFromEnv();
        } catch (error) {
          io.err(`exoarmur worker: ${(error as Error).message}`);
          return setExit(2);
        }
        // With OTEL_EXPORTER_OTLP_ENDPOINT, its dispatch attempts continue their submissions' traces.
        const { startTracing, stopTracing } = await import("../telemetry/tracing");
        await startTracing();
        const { createPool } = await import("../db/pool");
        const { startWorker } = await import("../exec/worker");
        const pool = createPool(url, numbers.concurrency + 4);
        const worker = startWorker({
          pool,
          concurrency: numbers.concurrency,
          pollMs: numbers.pollMs,
          ...(numbers.leaseMs ? { leaseMs: numbers.leaseMs } : {}),
          log: (line) => io.err(`worker: ${line}`),
        });
        io.out(`worker ${worker.id} running (concurrency ${numbers.concurrency})`);
        // Outbound notifications (issue 14) are sent by workers too, unless EXOARMUR_NOTIFY=off.
        const notifier =
          process.env.EXOARMUR_NOTIFY === "off"
            ? null
            : (await import("../notify/notifier")).startNotifier({
                pool,
                log: (line) => io.err(`notify: ${line}`),
              });
        const natsUrl = options.natsUrl ?? process.env.NATS_URL;
        let relay: { stop(): Promise<void> } | null = null;
        let jetstream: { nc: { drain(): Promise<void> } } | null = null;
        if (natsUrl) {
          const { connectJetStream } = await import("../events/jetstream");
          const { startRelay } = await import("../events/relay");
          jetstream = await connectJetStream(natsUrl);
          relay = startRelay({
            pool,
            jetstream: jetstream as Awaited<ReturnType<typeof connectJetStream>>,
            log: (line) => io.err(`relay: ${line}`),
            // Fault injection for the crash tests: die after JetStream acknowledged a batch, before it is marked.
            ...(process.env.EXOARMUR_FAULT === "relay-after-publish"
              ? { afterPublish: () => process.kill(process.pid, "SIGKILL") }
              : {}),
          });
          io.out(`relay publishing to ${natsUrl}`);
        }
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            io.out(`worker ${worker.id}: ${signal}, stopping`);
            resolve();
          };
          process.once("SIGTERM", () => stop("SIGTERM"));
          process.once("SIGINT", () => stop("SIGINT"));
        });
        await Promise.all([worker.stop(), notifier?.stop()]);
        await relay?.stop();
        await jetstream?.nc.drain().catch(() => {});
        await pool.end();
        await stopTracing();
        io.out(`worker ${worker.id} stopped after ${worker.attempts()} attempts`);
        setExit(0);
      },
    );
}
