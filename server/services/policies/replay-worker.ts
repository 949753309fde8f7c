// The what-if replay's worker thread: evaluating thousands of recorded decisions under a candidate
// policy is synchronous CPU work, and on the main thread it would delay every tenant's requests.
// Protocol (what-if.ts): workerData {candidate}; messages {rows}, each answered {ack} once evaluated
// (the sender keeps only a few pages in flight), then {done}, answered {tally}. The thread holds no
// connection and writes nothing.

import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import type { Policy } from "../../core/schemas";
import { type RecordedRow, type ReplayTally, replayEvaluator } from "./replay-evaluate";

export type ReplayWorkerMessage = { rows: RecordedRow[] } | { done: true };
export type ReplayWorkerReply = { ack: true } | { tally: ReplayTally };

const port = parentPort;
if (!port) throw new Error("replay-worker.ts runs as a worker thread (see what-if.ts)");

// Give way to the event loop and the database whenever they want a core: on Linux each thread has
// its own nice value, and this one takes the lowest priority (19) — on a 2-core machine the replay
// then uses what the live path leaves. Where /proc/thread-self does not exist it runs as it is.
try {
  setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), 19);
} catch {}

const evaluator = replayEvaluator((workerData as { candidate: Policy }).candidate);
const reply = (message: ReplayWorkerReply) => port.postMessage(message);
port.on("message", (message: ReplayWorkerMessage) => {
  if ("rows" in message) {
    evaluator.add(message.rows);
    reply({ ack: true });
  } else reply({ tally: evaluator.tally() });
});
