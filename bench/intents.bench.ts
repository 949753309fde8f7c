// POST /api/v1/intents under load: `npm start` exactly as a user runs it (embedded PostgreSQL 17,
// next start), 10 tenants, a mixed workload (ALLOW, REQUIRE_APPROVAL, DENY), every request a new
// idempotency key, driven by autocannon on the same 2-core machine. Reports sustained decisions/s,
// latency percentiles and the server's peak RSS.

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { freePort } from "../server/net/free-port";
import { emit, isMain } from "./harness";

const TENANTS = 10;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 20);
const POLICY = {
  rules: [
    { id: "allow-soft", match: { actionClasses: ["A0_observe", "A1_soft"] }, effect: "allow" },
    {
      id: "approve-hard",
      match: { actionClasses: ["A2_hard"] },
      effect: "require_approval",
      approval: { quorum: 2, roles: ["operator"] },
    },
    { id: "deny-irreversible", match: { actionClasses: ["A3_irreversible"] }, effect: "deny" },
  ],
};
// 50% allow, 20% approval, 20% deny, 10% no match (an unknown action class never matches here: observe on db-*)
const MIX = [
  "A1_soft",
  "A1_soft",
  "A0_observe",
  "A1_soft",
  "A1_soft",
  "A2_hard",
  "A2_hard",
  "A3_irreversible",
  "A3_irreversible",
  "A1_soft",
];

const rssKb = (pid: number): number => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

async function post(base: string, path: string, token: string, body: unknown) {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, string>>;
}

export async function run(): Promise<void> {
  console.log(
    `\n== POST /api/v1/intents under load (${TENANTS} tenants, ${CONNECTIONS} connections, ${DURATION_S} s) ==`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), "exoarmur-bench-"));
  const port = await freePort();
  const admin = "bench-admin-token-0123456789abcdefghij"; // at least 32 characters
  let output = "";
  const server: ChildProcess = spawn("sh", ["scripts/start.sh"], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: process.env.BENCH_DATABASE_URL ?? "",
      EXOARMUR_DATA_DIR: dataDir,
      EXOARMUR_ADMIN_TOKEN: admin,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  server.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (server.exitCode !== null) throw new Error(`server exited:\n${output}`);
      if ((await fetch(`${base}/api/health`).catch(() => null))?.status === 200) break;
      if (i > 1200) throw new Error(`server not healthy:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const clients: string[] = [];
    for (let t = 0; t < TENANTS; t++) {
      const id = `bench-${t}`;
      await post(base, "/api/v1/tenants", admin, {
        id,
        name: `Bench ${t}`,
        limits: { ratePerSecond: 100_000, burst: 100_000, maxPending: 10_000_000 },
      });
      await post(base, `/api/v1/tenants/${id}/policies`, admin, POLICY);
      clients.push(
        (await post(base, `/api/v1/tenants/${id}/api-keys`, admin, { role: "client", name: "bench" })).key!,
      );
    }

    let counter = 0;
    const requests: autocannon.Request[] = [
      {
        method: "POST" as const,
        path: "/api/v1/intents",
        setupRequest: (req: autocannon.Request) => {
          const n = counter++;
          return {
            ...req,
            headers: {
              "content-type": "application/json",
              authorization: `Bearer ${clients[n % TENANTS]}`,
              "idempotency-key": `bench-${n}`,
            },
            body: JSON.stringify({
              actor: { type: "agent", id: `agent-${n % 7}` },
              action: "host.isolate",
              actionClass: MIX[n % MIX.length],
              target: n % 10 === 2 ? "db-1" : `web-${n % 50}`,
              parameters: { reason: "beaconing", incident: n },
            }),
          };
        },
      },
    ];
    const serverPid = server.pid!;
    let peakRss = rssKb(serverPid);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssKb(serverPid))), 250);

    console.log("warm-up (3 s) ...");
    await autocannon({ url: base, connections: CONNECTIONS, duration: 3, requests });
    const before = counter;
    const result = await autocannon({ url: base, connections: CONNECTIONS, duration: DURATION_S, requests });
    clearInterval(sampler);
    peakRss = Math.max(peakRss, rssKb(serverPid));
    const ok = result["2xx"];
    const perSecond = ok / DURATION_S;
    console.log(
      `requests sent ${counter - before}, 2xx ${ok}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}`,
    );
    console.log(
      `latency ms: p50 ${result.latency.p50}, p90 ${result.latency.p90}, p99 ${result.latency.p99}, max ${result.latency.max}`,
    );
    // The same workload at low concurrency: the latency a single client sees when the server is not saturated.
    const light = await autocannon({ url: base, connections: 4, duration: 10, requests });
    console.log(
      `at 4 connections: ${(light["2xx"] / 10).toFixed(0)} decisions/s, latency ms p50 ${light.latency.p50}, p99 ${light.latency.p99}`,
    );
    emit("intents_http_decisions_per_s", perSecond, "decisions/s");
    emit("intents_http_4conn_decisions_per_s", light["2xx"] / 10, "decisions/s");
    emit("intents_http_4conn_p99", light.latency.p99, "ms");
    emit("intents_http_p50", result.latency.p50, "ms");
    emit("intents_http_p99", result.latency.p99, "ms");
    emit("intents_http_non_2xx", result.non2xx + result.errors + result.timeouts, "requests");
    emit("server_peak_rss", peakRss / 1024, "MB");
  } finally {
    server.kill("SIGTERM");
    const timer = setTimeout(() => server.kill("SIGKILL"), 15_000);
    if (server.exitCode === null) await once(server, "exit");
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await run();
