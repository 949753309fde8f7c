// The child processes an embedded-mode server runs itself (PostgreSQL, nats-server): each is
// watched from the moment it starts, restarted on the same port and data when it dies without
// being asked to, and given up on — the server then exits non-zero, so that whatever supervises
// it starts it again — when it cannot be brought back. Their states are kept on globalThis (Next
// instantiates modules once per chunk) for /api/health.

export type ChildName = "postgres" | "nats-server";
export type ChildState = "running" | "restarting" | "stopping";

export interface ChildStatus {
  state: ChildState;
  /** How often it died and was started again since the server started. */
  restarts: number;
}

/** How a child process ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running child, as its start function hands it to the supervisor. */
export interface Child {
  readonly pid: number;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<ChildExit>;
  /** An orderly stop; resolves at once when the process is already gone. */
  stop(): Promise<void>;
  /** Sends a signal now, if the process is still there (the forced exit). */
  kill(signal: NodeJS.Signals): void;
}

const holder = globalThis as unknown as {
  __exoarmurChildren?: Partial<Record<ChildName, ChildStatus>>;
  __exoarmurNoRestarts?: boolean;
};

/**
 * Shutdown has begun: no child is restarted from now on. Called first thing on a signal — a
 * terminal's Ctrl-C reaches the children too, and they must not come back while we stop.
 */
export function stopRestarting(): void {
  holder.__exoarmurNoRestarts = true;
}

const restartsStopped = () => holder.__exoarmurNoRestarts === true;

/** The supervised children of this process and their states (empty: none, e.g. DATABASE_URL and NATS_URL set). */
export function childStatuses(): Partial<Record<ChildName, ChildStatus>> {
  return { ...(holder.__exoarmurChildren ?? {}) };
}

function setStatus(name: ChildName, status: ChildStatus): void {
  holder.__exoarmurChildren = { ...(holder.__exoarmurChildren ?? {}), [name]: status };
}

export const describeExit = (exit: ChildExit) =>
  exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;

export interface Supervisor {
  /** Stops watching (no more restarts), waits for a restart under way, stops the child. */
  stop(): Promise<void>;
  /** Signals the current child now (the forced exit); no more restarts. */
  kill(signal: NodeJS.Signals): void;
}

interface SuperviseOptions {
  name: ChildName;
  /** What the log calls it. */
  label: string;
  log: (line: string) => void;
  /** Called once when the child cannot be brought back; expected to end the process. */
  giveUp: (reason: string) => void;
  /** Give up when restarting has failed for this long (default 30 s). */
  restartForMs?: number;
  /** …or when it died this many times within `crashWindowMs` (default 5 in 60 s). */
  maxCrashes?: number;
  crashWindowMs?: number;
}

const RESTART_DELAYS_MS = [100, 250, 500, 1000, 2000];

/**
 * Watches `first` and restarts it with `restart` whenever it exits while the supervisor is not
 * stopping. Restart attempts back off (100 ms … 2 s) until one succeeds or the limits are reached.
 */
export function supervise(
  first: Child,
  restart: () => Promise<Child>,
  options: SuperviseOptions,
): Supervisor {
  const { name, label, log } = options;
  const restartForMs = options.restartForMs ?? 30_000;
  const maxCrashes = options.maxCrashes ?? 5;
  const crashWindowMs = options.crashWindowMs ?? 60_000;
  let current: Child | null = first;
  let stopping = false;
  let restarts = 0;
  const crashes: number[] = [];
  let restarting: Promise<void> | null = null;
  let wakeRestart: (() => void) | null = null;
  setStatus(name, { state: "running", restarts });

  const watch = (child: Child) => {
    void child.exited.then((exit) => {
      if (stopping || restartsStopped() || current !== child) return;
      current = null;
      const now = Date.now();
      crashes.push(now);
      while (crashes.length && crashes[0]! < now - crashWindowMs) crashes.shift();
      if (crashes.length >= maxCrashes) {
        stopping = true;
        options.giveUp(
          `${label} died ${crashes.length} times within ${crashWindowMs / 1000} s (last: ${describeExit(exit)})`,
        );
        return;
      }
      log(`${label} (pid ${child.pid}) died (${describeExit(exit)}); restarting it`);
      setStatus(name, { state: "restarting", restarts });
      restarting = restartLoop().finally(() => {
        restarting = null;
      });
    });
  };

  async function restartLoop(): Promise<void> {
    const started = Date.now();
    for (let attempt = 0; !stopping; attempt++) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RESTART_DELAYS_MS[Math.min(attempt, RESTART_DELAYS_MS.length - 1)]);
        wakeRestart = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeRestart = null;
      if (stopping || restartsStopped()) return;
      try {
        const child = await restart();
        if (stopping || restartsStopped()) {
          // Shutdown began while it was starting: it goes the way of the rest.
          current = child;
          return;
        }
        current = child;
        restarts++;
        setStatus(name, { state: "running", restarts });
        log(`${label} restarted (pid ${child.pid})`);
        watch(child);
        return;
      } catch (error) {
        const message = (error as Error)?.message ?? String(error);
        if (Date.now() - started >= restartForMs) {
          stopping = true;
          options.giveUp(`${label} could not be restarted for ${restartForMs / 1000} s: ${message}`);
          return;
        }
        if (attempt === 0 || attempt % 10 === 0) log(`${label} did not start yet (${message}); trying again`);
      }
    }
  }

  watch(first);
  return {
    async stop() {
      stopping = true;
      setStatus(name, { state: "stopping", restarts });
      wakeRestart?.();
      await restarting;
      await current?.stop();
    },
    kill(signal) {
      stopping = true;
      current?.kill(signal);
    },
  };
}
