// Real processes for the process tests: `setsid npm start` in embedded mode (its own session, as a
// terminal's job would be), the process group found the way an operator finds it (the process
// listening on the port, `ss -ltnpH`), and the processes of that group read from /proc.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../server/net/free-port";
import { until } from "../support/wait";

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  command: string;
}

/** Every process on the machine, from /proc (zombies included: `state` "Z"). */
export function processes(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command (field 2) is in parentheses and may contain spaces: split after the last ')'.
      const close = stat.lastIndexOf(")");
      const [state, ppid, pgid] = stat.slice(close + 2).split(" ");
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      out.push({ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid), state: state!, command });
    } catch {
      // The process ended while we read it.
    }
  }
  return out;
}

/** The live (not zombie) processes of a process group. */
export const groupMembers = (pgid: number) => processes().filter((p) => p.pgid === pgid && p.state !== "Z");

export const isAlive = (pid: number) => processes().some((p) => p.pid === pid && p.state !== "Z");

/** The pid listening on a TCP port, as `ss -ltnpH "sport = :PORT"` shows it (null: nobody). */
export function listenerPid(port: number): number | null {
  const line = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
  const match = /pid=(\d+)/.exec(line);
  return match ? Number(match[1]) : null;
}

/** The postmaster's pid, from the first line of its lock file. */
export function postmasterPid(dataDir: string): number {
  return Number.parseInt(readFileSync(join(dataDir, "pg", "postmaster.pid"), "utf8").split("\n")[0]!, 10);
}

export interface EmbeddedServer {
  port: number;
  baseUrl: string;
  dataDir: string;
  adminToken: string;
  /** The `setsid npm start` process (the session and process group leader). */
  child: ChildProcess;
  /** The process group a terminal's Ctrl-C would signal. */
  pgid: number;
  /** The Next server (the process listening on the port). */
  serverPid: number;
  output: () => string;
}

/**
 * `setsid npm start` with no DATABASE_URL and no NATS_URL: the server starts its own PostgreSQL
 * and nats-server under `dataDir`. Resolves once /api/health answers 200.
 */
export async function startEmbedded(
  options: { dataDir?: string; port?: number; env?: Record<string, string> } = {},
): Promise<EmbeddedServer> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "exoarmur-process-"));
  const adminToken = `admin-token-${port}-for-tests-0123456789abcdef`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    EXOARMUR_DATA_DIR: dataDir,
    EXOARMUR_ADMIN_TOKEN: adminToken,
    EXOARMUR_DEMO_SEED: "off",
    ...options.env,
  };
  delete env.DATABASE_URL;
  delete env.NATS_URL;
  let output = "";
  const child = spawn("setsid", ["npm", "start"], { env, stdio: ["ignore", "pipe", "pipe"] });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-50_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
        return fetch(`${baseUrl}/api/health`).then(
          (r) => r.status,
          () => 0,
        );
      },
      (status) => status === 200,
      60_000,
      50,
    );
  } catch (error) {
    // setsid made the npm process the leader of its own group: nothing it started outlives the test.
    killGroup(child.pid);
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  const serverPid = listenerPid(port);
  if (!serverPid) throw new Error(`nobody listens on ${port}:\n${output}`);
  const pgid = processes().find((p) => p.pid === serverPid)!.pgid;
  return { port, baseUrl, dataDir, adminToken, child, pgid, serverPid, output: () => output };
}

/** Waits until no live process is left in the group (or fails with the ones that are). */
export async function groupGone(pgid: number, timeoutMs: number): Promise<void> {
  await until(
    async () => groupMembers(pgid).map((p) => `${p.pid} ${p.command}`),
    (left) => left.length === 0,
    timeoutMs,
    50,
  );
}

/** Test clean-up: whatever is left of a group we started. */
export function killGroup(pgid: number | undefined): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {}
}

/** The group's process whose command line matches. */
export function member(pgid: number, pattern: RegExp): ProcessInfo | undefined {
  return groupMembers(pgid).find((p) => pattern.test(p.command));
}

/** fetch with JSON in and out; a refused connection answers status 0. */
export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, json };
  } catch {
    return { status: 0, json: null };
  }
}
