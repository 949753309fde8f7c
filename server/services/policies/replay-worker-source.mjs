// Starts the replay worker from TypeScript source (the CLI and benchmarks under tsx, the tests under
// vitest): a new thread has none of its parent's loaders, so it registers tsx's own and then loads
// the entry. Under `next start` this file is not used: Turbopack bundles replay-worker.ts into a
// JavaScript entry of its own (what-if.ts, `startReplayWorker`).

import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
