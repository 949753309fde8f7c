// POST /api/v1/intents under load: `npm start` exactly as a user runs it (embedded PostgreSQL 17
// with fsync on, the REST fast path in front of Next), 10 tenants, a mixed workload (ALLOW,
// REQUIRE_APPROVAL, DENY), every request a new idempotency key, driven by autocannon on the same
// 2-core machine. Reports sustained decisions/s, latency percentiles, the server's peak RSS, CPU per
// decision (the server process, and PostgreSQL + nats-server), and what follows each decision:
// commit-to-stream latency on JetStream and the execution backlog of the `record` executor.
// First, the ceiling: a plain node:http hello-world server on the same machine, in the same run.

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
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

/** CPU seconds (user + system) of a process, and of its descendants by name (postgres, nats-server). */
function cpuSeconds(root: number): { self: number; children: Map<string, number> } {
  const stat = (pid: number) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8")
        .replace(/^.*\) /, "")
        .split(" ");
      return { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / 100 };
    } catch {
      return null;
    }
  };
  const all = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const pid of all) {
    const s = stat(pid);
    if (s) {
      parents.set(pid, s.ppid);
      cpu.set(pid, s.cpu);
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return true;
    return false;
  };
  const children = new Map<string, number>();
  for (const pid of all) {
    if (!descends(pid)) continue;
    let name = "other";
    try {
      name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {}
    children.set(name, (children.get(name) ?? 0) + (cpu.get(pid) ?? 0));
  }
  return { self: cpu.get(root) ?? 0, children };
}

/** The machine's ceiling: a plain node:http server (its own process) answering a small POST. */
async function helloWorldCeiling(): Promise<number> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      "-e",
      `require("node:http").createServer((q, r) => { q.resume(); q.on("end", () => r.end('{"ok":true}')); }).listen(${port}, "127.0.0.1", () => console.log("up"))`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await once(child.stdout!, "data");
  try {
    const result = await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      duration: 5,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ action: "host.isolate", target: "web-1" }),
    });
    return result.requests.average;
  } finally {
    child.kill();
  }
}

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
  const ceiling = await helloWorldCeiling();
  console.log(
    `ceiling: plain node:http hello-world, ${CONNECTIONS} connections: ${ceiling.toFixed(0)} requests/s`,
  );
  emit("node_http_hello_world_per_s", ceiling, "requests/s");
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

    // Every event as it reaches JetStream: the delay from its decision's time (so commit included),
    // and the executions queued against those that ended (the record executor's backlog).
    const natsUrl = /nats-server \(JetStream\) on (nats:\/\/[\d.:]+)/.exec(output)?.[1];
    if (!natsUrl) throw new Error(`no JetStream in the server's output:\n${output}`);
    const nc = await connect({ servers: natsUrl });
    const streamDelays: number[] = [];
    let queued = 0;
    let ended = 0;
    let measuring = false;
    const subscription = nc.subscribe("exoarmur.>");
    void (async () => {
      for await (const message of subscription) {
        // The type is the subject's tail (exoarmur.<tenant>.<type>): only decided events are parsed,
        // so the observer takes as little as it can of the CPU it shares with the server.
        const type = message.subject.slice(message.subject.indexOf(".", 9) + 1);
        if (type === "execution.queued") queued++;
        else if (
          type === "execution.succeeded" ||
          type === "execution.failed" ||
          type === "execution.blocked"
        )
          ended++;
        else if (measuring && type === "intent.decided")
          streamDelays.push(Date.now() - Date.parse(message.json<{ at: string }>().at));
      }
    })();

    console.log("warm-up (3 s) ...");
    await autocannon({ url: base, connections: CONNECTIONS, duration: 3, requests });
    const before = counter;
    const cpuBefore = cpuSeconds(serverPid);
    const loadBefore = process.cpuUsage();
    let maxBacklog = 0;
    const backlogSampler = setInterval(() => (maxBacklog = Math.max(maxBacklog, queued - ended)), 250);
    measuring = true;
    const result = await autocannon({ url: base, connections: CONNECTIONS, duration: DURATION_S, requests });
    measuring = false;
    const cpuAfter = cpuSeconds(serverPid);
    const load = process.cpuUsage(loadBefore);
    clearInterval(sampler);
    clearInterval(backlogSampler);
    peakRss = Math.max(peakRss, rssKb(serverPid));
    const ok = result["2xx"];
    const perSecond = ok / DURATION_S;
    const backlogAtEnd = queued - ended;
    const drainStart = Date.now();
    while (queued - ended > 0 && Date.now() - drainStart < 60_000)
      await new Promise((r) => setTimeout(r, 50));
    const drainMs = Date.now() - drainStart;
    streamDelays.sort((a, b) => a - b);
    const pct = (p: number) =>
      streamDelays[Math.min(streamDelays.length - 1, Math.ceil((p / 100) * streamDelays.length) - 1)] ??
      Number.NaN;
    const serverCpuMs = ((cpuAfter.self - cpuBefore.self) * 1000) / ok;
    const childCpuMs = (name: string) =>
      (((cpuAfter.children.get(name) ?? 0) - (cpuBefore.children.get(name) ?? 0)) * 1000) / ok;
    const childrenCpuMs = [...cpuAfter.children.keys()].reduce((sum, name) => sum + childCpuMs(name), 0);
    // This process: autocannon and the stream observer, on the same two cores.
    const loadCpuMs = (load.user + load.system) / 1000 / (counter - before);
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
    console.log(
      `CPU per decision: server process ${serverCpuMs.toFixed(2)} ms, PostgreSQL + nats-server ${childrenCpuMs.toFixed(2)} ms (postgres ${childCpuMs("postgres").toFixed(2)}, nats-server ${childCpuMs("nats-server").toFixed(2)}); per request, the load generator ${loadCpuMs.toFixed(2)} ms`,
    );
    console.log(
      `stream: ${streamDelays.length} decisions seen on JetStream, decision-to-stream p50 ${pct(50)} ms, p99 ${pct(99)} ms`,
    );
    console.log(
      `executions: ${queued} queued, ${ended} ended; backlog max ${maxBacklog}, at the end ${backlogAtEnd}, drained ${drainMs} ms later (left: ${queued - ended})`,
    );
    emit("intents_http_decisions_per_s", perSecond, "decisions/s");
    emit("intents_http_fraction_of_ceiling", perSecond / ceiling, "");
    emit("intents_server_cpu_per_decision", serverCpuMs, "ms");
    emit("intents_db_nats_cpu_per_decision", childrenCpuMs, "ms");
    emit("intents_postgres_cpu_per_decision", childCpuMs("postgres"), "ms");
    emit("intents_nats_cpu_per_decision", childCpuMs("nats-server"), "ms");
    emit("intents_load_generator_cpu_per_request", loadCpuMs, "ms");
    emit("decision_to_stream_p99", pct(99), "ms");
    emit("execution_backlog_max", maxBacklog, "executions");
    emit("execution_backlog_drain", drainMs, "ms");
    emit("intents_http_4conn_decisions_per_s", light["2xx"] / 10, "decisions/s");
    emit("intents_http_4conn_p99", light.latency.p99, "ms");
    emit("intents_http_p50", result.latency.p50, "ms");
    emit("intents_http_p99", result.latency.p99, "ms");
    emit("intents_http_non_2xx", result.non2xx + result.errors + result.timeouts, "requests");
    emit("server_peak_rss", peakRss / 1024, "MB");
    subscription.unsubscribe();
    await nc.close();
  } finally {
    server.kill("SIGTERM");
    const timer = setTimeout(() => server.kill("SIGKILL"), 15_000);
    if (server.exitCode === null) await once(server, "exit");
    clearTimeout(timer);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await run();
