// A worker thread of `exoarmur verify` over many bundles: it answers each task (a chunk of JSONL
// lines or of file paths) with runTask's reply. Started by verify-pool.ts.

import { parentPort, workerData } from "node:worker_threads";
import { runTask, type Task, type WorkerSettings } from "./verify-task";

const settings = workerData as WorkerSettings;

parentPort!.on("message", ({ id, task }: { id: number; task: Task }) => {
  parentPort!.postMessage({ id, reply: runTask(task, settings) });
});
