// Starts verify-worker.ts from TypeScript source (the CLI run through tsx when dist/cli is missing
// or stale): a new thread has none of its parent's loaders, so it registers tsx's own and then
// loads the entry. The compiled CLI starts dist/cli/verify-worker.mjs directly instead.

import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
