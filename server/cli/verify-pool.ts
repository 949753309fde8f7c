// Runs tasks on up to `jobs` worker threads and hands their replies back in task order (so a batch
// prints in file or line order whatever thread finished first). Threads start only as tasks come
// (three bundles do not start eight threads), each holds at most IN_FLIGHT tasks (one being worked
// on, one waiting, so it never idles between messages), and the tasks are pulled from their source
// only as fast as the threads take them: memory stays a few tasks deep.

import { Worker } from "node:worker_threads";
import type { Reply, Task, WorkerSettings } from "./verify-task";

const IN_FLIGHT = 2;

interface Thread {
  worker: Worker;
  inFlight: number;
}

interface Sent<T> {
  item: T;
  reply?: Reply;
}

export async function runInWorkers<T extends { task: Task }>(
  items: AsyncIterable<T> | Iterable<T>,
  { jobs, settings }: { jobs: number; settings: WorkerSettings },
  onReply: (item: T, reply: Reply) => void,
): Promise<void> {
  const threads: Thread[] = [];
  const sent = new Map<number, Sent<T>>();
  let nextId = 0;
  let nextToHand = 0;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const changed = () => {
    const waiting = wake;
    wake = null;
    waiting?.();
  };
  const somethingChanges = () => new Promise<void>((resolve) => (wake = resolve));
  const fail = (error: unknown) => {
    failure ??= error;
    changed();
  };

  const handInOrder = () => {
    for (let next = sent.get(nextToHand); next?.reply; next = sent.get(nextToHand)) {
      sent.delete(nextToHand++);
      onReply(next.item, next.reply);
    }
  };

  const start = (): Thread => {
    const thread: Thread = { worker: startVerifyWorker(settings), inFlight: 0 };
    thread.worker.on("message", ({ id, reply }: { id: number; reply: Reply }) => {
      thread.inFlight--;
      sent.get(id)!.reply = reply;
      try {
        handInOrder();
      } catch (error) {
        fail(error);
      }
      changed();
    });
    thread.worker.on("error", fail);
    thread.worker.on("exit", (code) => {
      if (thread.inFlight > 0) fail(new Error(`a verifying thread stopped (exit code ${code})`));
    });
    threads.push(thread);
    return thread;
  };

  // An idle thread first, then a new one, then one with room in its queue.
  const threadWithRoom = (): Thread | undefined =>
    threads.find((t) => t.inFlight === 0) ??
    (threads.length < jobs ? start() : threads.find((t) => t.inFlight < IN_FLIGHT));

  try {
    for await (const item of items) {
      let thread = threadWithRoom();
      while (!thread && failure === null) {
        await somethingChanges();
        thread = threadWithRoom();
      }
      if (failure !== null || !thread) throw failure;
      const id = nextId++;
      sent.set(id, { item });
      thread.inFlight++;
      const { task } = item;
      thread.worker.postMessage(
        { id, task },
        task.kind === "lines" ? [task.bytes.buffer as ArrayBuffer] : [],
      );
    }
    while (nextToHand < nextId && failure === null) await somethingChanges();
    if (failure !== null) throw failure;
  } finally {
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}

/**
 * The compiled CLI (dist/cli) starts the compiled worker beside it. From source (tsx) the entry is
 * TypeScript, which a new thread cannot load by itself: verify-worker-source.mjs registers tsx's
 * loader there first (as the what-if replay's worker does).
 */
function startVerifyWorker(settings: WorkerSettings): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts"))
    return new Worker(new URL("./verify-worker.mjs", here), { workerData: settings });
  return new Worker(new URL("./verify-worker-source.mjs", here), {
    workerData: { ...settings, entry: new URL("./verify-worker.ts", here).href },
  });
}
