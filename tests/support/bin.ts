import { spawnSync } from "node:child_process";

export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `exoarmur` bin as a user would: a child process, its exit code and output. The
 * environment's EXOARMUR_TRUSTED_KEYS is dropped unless a test sets it, so no key is trusted by accident.
 */
export function exoarmurBin(args: string[], env: Record<string, string> = {}): BinRun {
  const { EXOARMUR_TRUSTED_KEYS: _ignored, ...inherited } = process.env;
  const result = spawnSync(process.execPath, ["bin/exoarmur.mjs", ...args], {
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...inherited, ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
