// Where a running embedded database can be found: `<dataDir>/runtime.json`, written by the server
// while its embedded PostgreSQL runs. Kept apart from embedded.ts so that reading it loads nothing heavy.

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function runtimeFile(dataDir: string): string {
  return join(resolve(dataDir), "runtime.json");
}

/** The URL of an embedded database started by another process on this data dir, if one is running. */
export function runningEmbeddedUrl(dataDir: string): string | null {
  try {
    const runtime = JSON.parse(readFileSync(runtimeFile(dataDir), "utf8")) as {
      databaseUrl: string;
      pid: number;
    };
    return pidAlive(runtime.pid) ? runtime.databaseUrl : null;
  } catch {
    return null;
  }
}
