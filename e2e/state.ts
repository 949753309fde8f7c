import { readFileSync } from "node:fs";

/** What global-setup learned about the running server, shared with every spec. */
export interface E2EState {
  baseUrl: string;
  dataDir: string;
  adminToken: string;
  pid: number;
  passwords: Record<string, string>;
  clientKey: string;
  otherKey: string;
  otherOperator: { email: string; password: string };
}

export function e2eState(): E2EState {
  const file = process.env.EXOARMUR_E2E_STATE;
  if (!file) throw new Error("EXOARMUR_E2E_STATE is not set: run the specs with `npx playwright test`");
  return JSON.parse(readFileSync(file, "utf8")) as E2EState;
}
