// The embedded default: a local `nats-server -js` child with its store under the data dir, if the
// binary is installed. Its exit is recorded from the moment it is spawned, so that stopping one that
// is already gone (a terminal's Ctrl-C reaches it first) returns at once, and so that the server's
// supervisor (server/children.ts) can start it again on the same port and store.

import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdirSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { delimiter, join } from "node:path";
import { childEnv } from "../net/child-env";
import { freePort } from "../net/free-port";

export function findNatsServer(): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "nats-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

export interface LocalNats {
  url: string;
  port: number;
  pid: number;
  /** Settles when the process has exited, asked to or not. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, SIGKILL if it is still there after `timeoutMs`; at once if it is gone. */
  stop(timeoutMs?: number): Promise<void>;
  /** Signals it now, if it is still there. */
  kill(signal: NodeJS.Signals): void;
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = tcpConnect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

export async function startNatsServer(binary: string, storeDir: string, port?: number): Promise<LocalNats> {
  mkdirSync(storeDir, { recursive: true });
  const chosen = port ?? (await freePort());
  const child: ChildProcess = spawn(
    binary,
    ["-js", "-a", "127.0.0.1", "-p", String(chosen), "-sd", storeDir],
    // An allow-listed environment: the server's secrets stay out of the child (net/child-env.ts).
    { stdio: "ignore", env: childEnv() },
  );
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      gone = true;
      resolve({ code, signal });
    });
    // A spawn failure (binary gone) emits 'error' and maybe no 'exit'.
    child.once("error", () => {
      gone = true;
      resolve({ code: null, signal: null });
    });
  });
  const kill = (signal: NodeJS.Signals) => {
    if (gone) return;
    try {
      child.kill(signal);
    } catch {}
  };
  let up = false;
  for (let i = 0; i < 100 && !gone; i++) {
    up = await listening(chosen);
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!up) {
    kill("SIGKILL");
    const exit = await Promise.race([exited, new Promise((r) => setTimeout(r, 1000))]);
    throw new Error(
      `nats-server did not listen on 127.0.0.1:${chosen}${exit ? ` (exit ${JSON.stringify(exit)})` : ""}`,
    );
  }
  let stopping: Promise<void> | null = null;
  return {
    url: `nats://127.0.0.1:${chosen}`,
    port: chosen,
    pid: child.pid!,
    exited,
    kill,
    stop(timeoutMs = 5000) {
      stopping ??= (async () => {
        if (gone) return;
        kill("SIGTERM");
        const timer = setTimeout(() => kill("SIGKILL"), timeoutMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
