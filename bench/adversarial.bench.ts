// Worst cases of one decision and of a what-if replay (issue 10, "one tenant cannot stall the
// others"). Part 1 builds policies meant to be slow to match, each as large as the schemas allow
// (MAX_RULES rules, MAX_LIST globs per list, MAX_GLOB_LENGTH characters per glob, 256 KB of JSON)
// and within the matching budget, matched against actions and targets of the maximum length (a new
// action name per decision, so the compiled path's per-action memo never helps), and times
// decideCompiled and the reference decide. Each shape is also timed at 256 KB without the budget,
// which is what linear matching alone gives. Part 2 runs a what-if replay of 10,000 recorded
// decisions under the slowest draft the budget admits while another tenant submits intents, and
// prints that tenant's latency with and without the replay — and with the evaluation loop on the
// main thread (yielding every 250 decisions, as before the worker), for comparison.

import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import {
  compilePolicy,
  type DecisionInput,
  decide,
  decideCompiled,
  globCost,
  type KillSwitchState,
  MATCH_BUDGET,
  MAX_GLOB_LENGTH,
  MAX_MATCHED_TEXT,
  type Policy,
  parsePolicy,
  policyMatchCost,
  policyMatchProblem,
} from "../server/core";
import { createDb, type Db } from "../server/db/client";
import { startEmbeddedPostgres } from "../server/db/embedded";
import { migrate } from "../server/db/migrate";
import { PLATFORM_ADMIN, type Principal } from "../server/services/access/principal";
import { submitIntent } from "../server/services/decisions/submit-intent";
import { createApiKey } from "../server/services/keys/api-keys";
import { replayEvaluator } from "../server/services/policies/replay-evaluate";
import { applyPolicy, MAX_POLICY_BYTES } from "../server/services/policies/versions";
import { replayUnderPolicy } from "../server/services/policies/what-if";
import { createTenant } from "../server/services/tenants/tenants";
import { emit, formatValue, isMain } from "./harness";

/** schemas.ts: MAX_RULES, MAX_LIST (not exported there; the parse below checks the policy is legal). */
const MAX_RULES = 1000;
const MAX_LIST = 100;
/** As the server gets them: parsed from JSON (flat strings, not the ropes concatenation builds). */
const flat = (text: string) => JSON.parse(JSON.stringify(text)) as string;
const TARGET = flat("a".repeat(MAX_MATCHED_TEXT));
/**
 * Maximal action names (250 letters, a dot, 5 digits), 5,000 of them taken in turn: more than the
 * compiled path memoizes (4,096), so every decision of an action shape misses that memo.
 */
const ACTIONS = Array.from({ length: 5000 }, (_, i) =>
  flat(`${"a".repeat(MAX_MATCHED_TEXT - 6)}.${String(i).padStart(5, "0")}`),
);
const action = (i: number) => ACTIONS[i % ACTIONS.length]!;
/** ~250 KB of rules that match nothing the bench submits: the size, not the matching, is the point. */
const PADDING = Array.from({ length: 725 }, (_, i) => ({
  id: `pad-${i}`,
  description: "x".repeat(250),
  match: { actions: [`never.${i}.matches`] },
  effect: "deny",
}));

interface Shape {
  name: string;
  what: string;
  list: "actions" | "targets";
  glob: (i: number) => string;
}

/** Every glob fails against an all-`a` text only at its last character, after a full scan. */
const SHAPES: Shape[] = [
  {
    name: "issue_10",
    what: "the report's `*??…?Z*` (120–219 `?`)",
    list: "targets",
    glob: (i) => `*${"?".repeat(120 + (i % 100))}Z*`,
  },
  {
    name: "q_piece_31",
    what: "`*a?a?…a?b*`, a 31-char `?`-piece (1 word)",
    list: "targets",
    glob: () => `*${"a?".repeat(15)}b*`,
  },
  {
    name: "q_piece_63",
    what: "a 63-char `?`-piece (2 words)",
    list: "targets",
    glob: () => `*${"a?".repeat(31)}b*`,
  },
  {
    name: "q_piece_253",
    what: "a 253-char `?`-piece (8 words), the longest glob",
    list: "targets",
    glob: () => `*${"a?".repeat(126)}b*`,
  },
  { name: "literal_2", what: "`*ab*`", list: "targets", glob: () => "*ab*" },
  { name: "literal_9", what: "`*aaaaaaaab*`", list: "targets", glob: () => "*aaaaaaaab*" },
  {
    name: "literal_254",
    what: "`*a…ab*`, a 254-char literal piece",
    list: "targets",
    glob: () => `*${"a".repeat(MAX_GLOB_LENGTH - 3)}b*`,
  },
  {
    name: "literal_33",
    what: "`*a…ab*`, a 33-char literal piece (indexOf)",
    list: "targets",
    glob: () => `*${"a".repeat(32)}b*`,
  },
  {
    name: "literal_33_b_first",
    what: "`*ba…a*`, a 33-char literal piece starting with the mismatch",
    list: "targets",
    glob: () => `*b${"a".repeat(32)}*`,
  },
  {
    name: "many_stars",
    what: "`*a*a*…*a*b*` (127 pieces)",
    list: "targets",
    glob: () => `${"*a".repeat((MAX_GLOB_LENGTH - 3) / 2)}*b*`,
  },
  {
    name: "anchored_q",
    what: "`??…?b` (256 chars, no star)",
    list: "targets",
    glob: () => `${"?".repeat(MAX_GLOB_LENGTH - 1)}b`,
  },
  {
    name: "head_tail",
    what: "`??…?*??…?b` (both ends anchored)",
    list: "targets",
    glob: () => `${"?".repeat(127)}*${"?".repeat(127)}b`,
  },
  { name: "tiny_star", what: "`a*b` (one star, both ends)", list: "targets", glob: () => "a*b" },
  { name: "tiny_q", what: "`a?b` (no star)", list: "targets", glob: () => "a?b" },
  {
    name: "tiny_literal",
    what: "distinct literal names `h0`, `h1`, … (a deny list)",
    list: "targets",
    glob: (i) => `h${i}`,
  },
  {
    name: "literal_256",
    what: "`a…ab`, 256-char literal names (the reference path compares each)",
    list: "targets",
    glob: () => `${"a".repeat(MAX_GLOB_LENGTH - 1)}b`,
  },
  {
    name: "action_q_piece_31",
    what: "action globs, 31-char `?`-piece, a new action name each time",
    list: "actions",
    glob: () => `*${"a?".repeat(15)}b*`,
  },
];

/** As many rules and globs as 256 KB of JSON (and, when `budgeted`, the matching budget) allow. */
function buildPolicy(shape: Shape, budgeted: boolean): { policy: Policy; bytes: number } {
  const rules: { id: string; match: Record<string, string[]>; effect: "deny" }[] = [];
  let bytes = JSON.stringify({ rules: [] }).length;
  let cost = 0;
  let i = 0;
  fill: for (let r = 0; r < MAX_RULES; r++) {
    const list: string[] = [];
    const rule = { id: `r${r}`, match: { [shape.list]: list }, effect: "deny" as const };
    const ruleBytes = JSON.stringify({ ...rule, match: { [shape.list]: [] } }).length + 1;
    if (bytes + ruleBytes > MAX_POLICY_BYTES) break;
    bytes += ruleBytes;
    for (let k = 0; k < MAX_LIST; k++) {
      const glob = shape.glob(i);
      const add = JSON.stringify(glob).length + (list.length > 0 ? 1 : 0);
      const globSteps = globCost(glob, MAX_MATCHED_TEXT);
      if (bytes + add > MAX_POLICY_BYTES || (budgeted && cost + globSteps > MATCH_BUDGET)) {
        if (list.length > 0) rules.push(rule);
        break fill;
      }
      list.push(glob);
      bytes += add;
      cost += globSteps;
      i++;
    }
    rules.push(rule);
  }
  const parsed = parsePolicy(JSON.parse(JSON.stringify({ rules })));
  if (!parsed.ok) throw new Error(`${shape.name}: policy is invalid: ${JSON.stringify(parsed.errors[0])}`);
  if (budgeted && policyMatchProblem(parsed.value))
    throw new Error(`${shape.name}: over budget: ${JSON.stringify(policyMatchProblem(parsed.value))}`);
  return { policy: parsed.value, bytes: JSON.stringify(parsed.value).length };
}

function inputFor(
  policy: Policy,
  shape: Shape,
  i: number,
  killSwitches: KillSwitchState[] = [],
): DecisionInput {
  return {
    intent: {
      tenantId: "acme",
      actor: { type: "agent", id: "adversary" },
      action: shape.list === "actions" ? action(i) : "host.isolate",
      actionClass: "A1_soft",
      target: TARGET,
      parameters: {},
      idempotencyKey: `k${i}`,
      requestedAt: "2026-11-26T09:00:00Z",
      ttlSeconds: 600,
    },
    policy,
    killSwitches,
    tenant: { id: "acme", status: "active" },
    evaluatedAt: "2026-11-26T09:00:01Z",
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

interface ShapeTiming {
  compiledUs: number;
  referenceUs: number;
  compiledP99Us: number;
  referenceP99Us: number;
  /** Mean CPU time of this thread per decision: what the event loop spends, whatever else runs. */
  compiledCpuUs: number;
  referenceCpuUs: number;
}

/** Mean wall and CPU time per call, and p99 wall, over at least `ms` (after a short warm-up). */
function timeCalls(fn: (i: number) => unknown, ms = 300) {
  let i = 0;
  const warm = performance.now() + 50;
  while (performance.now() < warm) fn(i++);
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < ms || samples.length < 20) {
    const t = process.hrtime.bigint();
    fn(i++);
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  const used = process.cpuUsage(cpu);
  samples.sort((a, b) => a - b);
  const meanUs = samples.reduce((sum, x) => sum + x, 0) / samples.length;
  return { meanUs, p99Us: percentile(samples, 99), cpuUs: (used.user + used.system) / samples.length };
}

function timeShape(
  label: string,
  policy: Policy,
  shape: Shape,
  killSwitches?: KillSwitchState[],
): ShapeTiming {
  const compiled = compilePolicy(policy);
  // A fresh input object per call (its action is new for action shapes); both paths must agree.
  const check = inputFor(policy, shape, 0, killSwitches);
  if (JSON.stringify(decideCompiled(compiled, check)) !== JSON.stringify(decide(check)))
    throw new Error(`${label}: decideCompiled and decide disagree`);
  const fast = timeCalls((i) => decideCompiled(compiled, inputFor(policy, shape, i, killSwitches)));
  const slow = timeCalls((i) => decide(inputFor(policy, shape, i, killSwitches)));
  return {
    compiledUs: fast.meanUs,
    referenceUs: slow.meanUs,
    compiledP99Us: fast.p99Us,
    referenceP99Us: slow.p99Us,
    compiledCpuUs: fast.cpuUs,
    referenceCpuUs: slow.cpuUs,
  };
}

/** Part 1; returns the slowest shape within the budget (part 2 replays under it). */
function decisionWorstCases(): Shape {
  console.log(
    `\n== adversarial policies: one decision (MAX_RULES ${MAX_RULES}, MAX_LIST ${MAX_LIST}, ` +
      `globs ≤ ${MAX_GLOB_LENGTH}, ≤ ${MAX_POLICY_BYTES} bytes, budget ${MATCH_BUDGET} steps, texts ${MAX_MATCHED_TEXT} chars) ==`,
  );
  const rows: string[][] = [];
  const zero: ShapeTiming = {
    compiledUs: 0,
    referenceUs: 0,
    compiledP99Us: 0,
    referenceP99Us: 0,
    compiledCpuUs: 0,
    referenceCpuUs: 0,
  };
  const max = (a: ShapeTiming, b: ShapeTiming) =>
    Object.fromEntries(
      Object.keys(a).map((key) => [key, Math.max(a[key as keyof ShapeTiming], b[key as keyof ShapeTiming])]),
    ) as unknown as ShapeTiming;
  let worst = zero;
  let worstUnbudgeted = zero;
  let slowest = SHAPES[0]!;
  let slowestUs = 0;
  for (const shape of SHAPES) {
    const full = buildPolicy(shape, false);
    const fullCost = policyMatchCost(full.policy);
    const fullTime = timeShape(`${shape.name} 256KB`, full.policy, shape);
    const budgeted = fullCost <= MATCH_BUDGET ? full : buildPolicy(shape, true);
    const time =
      fullCost <= MATCH_BUDGET ? fullTime : timeShape(`${shape.name} budget`, budgeted.policy, shape);
    const globs = (policy: Policy) =>
      policy.rules.reduce((n, rule) => n + (rule.match?.[shape.list]?.length ?? 0), 0);
    rows.push([
      shape.name,
      `${globs(full.policy)} globs, ${(full.bytes / 1024).toFixed(0)} KB, ${fullCost} steps`,
      `${formatValue(fullTime.compiledUs)} / ${formatValue(fullTime.referenceUs)} µs`,
      fullCost <= MATCH_BUDGET
        ? "(same policy)"
        : `${globs(budgeted.policy)} globs, ${policyMatchCost(budgeted.policy)} steps`,
      `${formatValue(time.compiledUs)} / ${formatValue(time.referenceUs)} µs`,
      `${formatValue(time.compiledP99Us)} / ${formatValue(time.referenceP99Us)} µs`,
      `${formatValue(time.compiledCpuUs)} / ${formatValue(time.referenceCpuUs)} µs`,
      `${formatValue((fullTime.compiledCpuUs * 1000) / fullCost)} / ${formatValue((fullTime.referenceCpuUs * 1000) / fullCost)}`,
    ]);
    worstUnbudgeted = max(worstUnbudgeted, fullTime);
    worst = max(worst, time);
    if (shape.list === "targets" && time.compiledCpuUs > slowestUs) {
      slowestUs = time.compiledCpuUs;
      slowest = shape;
    }
  }
  const header = [
    "shape",
    "at 256 KB",
    "compiled / reference",
    "within the budget",
    "compiled / reference",
    "p99",
    "CPU",
    "CPU ns/step at 256 KB",
  ];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join("  ");
  console.log(`\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const row of rows) console.log(line(row));
  for (const shape of SHAPES) console.log(`  ${shape.name.padEnd(18)} ${shape.what}`);

  // Kill switches are not part of the policy (nor of its budget): 1,000 engaged action switches of
  // the tenant (decisionInputSchema's maximum), none matching, each a 253-char `?`-piece glob.
  const switchShape: Shape = { ...SHAPES.find((s) => s.name === "q_piece_253")!, list: "actions" };
  const switches: KillSwitchState[] = Array.from({ length: MAX_RULES }, (_, k) => ({
    id: `ks-${k}`,
    scope: "action",
    tenantId: "acme",
    action: switchShape.glob(k),
    engaged: true,
    reason: "bench",
  }));
  const small = parsePolicy({ rules: [{ id: "allow", effect: "allow" }] });
  if (!small.ok) throw new Error("small policy");
  const switchTime = timeShape("1000 action switches", small.value, switchShape, switches);

  emit("adversarial_decide_worst_compiled", worst.compiledUs / 1000, "ms");
  emit("adversarial_decide_worst_reference", worst.referenceUs / 1000, "ms");
  emit("adversarial_decide_worst_compiled_cpu", worst.compiledCpuUs / 1000, "ms");
  emit("adversarial_decide_worst_reference_cpu", worst.referenceCpuUs / 1000, "ms");
  emit("adversarial_decide_worst_compiled_p99", worst.compiledP99Us / 1000, "ms");
  emit("adversarial_decide_worst_reference_p99", worst.referenceP99Us / 1000, "ms");
  emit("adversarial_unbudgeted_worst_compiled_cpu", worstUnbudgeted.compiledCpuUs / 1000, "ms");
  emit("adversarial_unbudgeted_worst_reference_cpu", worstUnbudgeted.referenceCpuUs / 1000, "ms");
  emit("adversarial_kill_switches_1000_cpu", switchTime.compiledCpuUs / 1000, "ms");
  console.log(`slowest shape within the budget: ${slowest.name} (part 2 replays under it)`);
  return slowest;
}

/**
 * Another tenant's intents, 4 at a time, until `until` settles (or for `ms`): per-request latency,
 * and how late the event loop ran meanwhile (its p99 and worst delay: the stall itself).
 */
async function otherTenantLatencies(db: Db, client: Principal, until: Promise<unknown> | number) {
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const busyBefore = performance.eventLoopUtilization();
  const latencies: number[] = [];
  let done = false;
  if (typeof until === "number") setTimeout(() => (done = true), until);
  else void until.finally(() => (done = true));
  let n = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (!done) {
        const started = process.hrtime.bigint();
        await submitIntent(db, client, {
          actor: { type: "agent", id: "quiet" },
          action: "host.isolate",
          actionClass: "A1_soft",
          target: "web-7",
          parameters: {},
          idempotencyKey: `quiet-${process.pid}-${Date.now()}-${n++}`,
        });
        latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
    }),
  );
  loopDelay.disable();
  const busy = performance.eventLoopUtilization(busyBefore);
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    count: latencies.length,
    loopP99: loopDelay.percentile(99) / 1e6,
    loopMax: loopDelay.max / 1e6,
    /** Share of the time this thread's event loop was busy (the other tenant's work, plus the replay's here). */
    loopBusy: busy.utilization,
  };
}

/** CPU time of this process's main thread so far, in ms (Linux: its /proc stat, 10 ms ticks), or NaN. */
function mainThreadCpuMs(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Part 2: a what-if replay of 10,000 decisions under the slowest budgeted draft vs another tenant. */
async function replayInterference(shape: Shape): Promise<void> {
  const REPLAYED = Number(process.env.BENCH_REPLAY_DECISIONS ?? 10_000);
  console.log(
    `\n== what-if replay of ${REPLAYED} decisions (draft: ${shape.name}) vs another tenant's intents ==`,
  );
  const dir = mkdtempSync(join(tmpdir(), "exoarmur-bench-adversarial-"));
  chmodSync(dir, 0o711); // PostgreSQL runs as its own user below it
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, "db") });
  await migrate(pg.url);
  const db = createDb(pg.url, 24);
  try {
    const clients: Record<string, Principal> = {};
    for (const id of ["noisy", "quiet"]) {
      await createTenant(db, PLATFORM_ADMIN, {
        id,
        name: id,
        limits: { ratePerSecond: 100_000, burst: 100_000, maxPending: 10_000_000 },
      });
      const observe = { id: "observe", match: { actionClasses: ["A0_observe"] }, effect: "allow" };
      // The noisy tenant decides under a policy as large as allowed: its decisions reference it.
      await applyPolicy(db, PLATFORM_ADMIN, id, {
        rules: id === "noisy" ? [...PADDING, observe] : [observe],
      });
      const key = await createApiKey(db, PLATFORM_ADMIN, id, { role: "client", name: "c" });
      clients[id] = { kind: "api-key", id: key.id, tenantId: id, role: "client", name: "c" };
    }
    // The noisy tenant's history: 10,000 decisions on maximal targets (DENY: no rule matches).
    let n = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (n < REPLAYED) {
          const i = n++;
          await submitIntent(db, clients.noisy!, {
            actor: { type: "agent", id: "noisy" },
            action: shape.list === "actions" ? action(i) : "host.isolate",
            actionClass: "A1_soft",
            target: TARGET,
            parameters: {},
            idempotencyKey: `noisy-${i}`,
          });
        }
      }),
    );
    const [stored] = await db.$queryRaw<{ bytes: bigint; perRow: number }[]>`
      SELECT pg_total_relation_size('"Decision"') AS bytes,
             (SELECT avg(pg_column_size(input)) FROM "Decision" WHERE "tenantId" = 'noisy')::float8 AS "perRow"`;
    const policyBytes = JSON.stringify({ rules: PADDING }).length;
    console.log(
      `${REPLAYED} decisions under a ${formatValue(policyBytes / 1024)} KB policy: the Decision table with its ` +
        `indexes is ${formatValue(Number(stored!.bytes) / 2 ** 20)} MB; a stored input averages ` +
        `${formatValue(stored!.perRow)} bytes (a copy of the policy in each would be ${formatValue((REPLAYED * policyBytes) / 2 ** 30)} GB)`,
    );
    emit("decisions_10k_big_policy_table", Number(stored!.bytes) / 2 ** 20, "MB");
    const draft = buildPolicy(shape, true).policy;
    const request = { policy: draft, limit: REPLAYED };

    const quietAlone = await otherTenantLatencies(db, clients.quiet!, 5000);

    const replayStarted = process.hrtime.bigint();
    const replay = replayUnderPolicy(db, PLATFORM_ADMIN, "noisy", request);
    const quietWithWorker = await otherTenantLatencies(db, clients.quiet!, replay);
    const report = await replay;
    const workerSeconds = Number(process.hrtime.bigint() - replayStarted) / 1e9;
    if (report.evaluated !== REPLAYED) throw new Error(`replay evaluated ${report.evaluated}`);

    // The same evaluation on this thread, yielding every 250 decisions (the loop before the worker).
    const rows = await db.$queryRaw<
      { id: string; createdAt: Date; action: string; actorId: string; input: string; output: string }[]
    >`
      SELECT id, "createdAt", action, "actorId", input::text AS input, output::text AS output
        FROM "Decision" WHERE "tenantId" = 'noisy' ORDER BY "createdAt" DESC, id DESC LIMIT ${REPLAYED}`;
    const inline = (async () => {
      const evaluator = replayEvaluator(draft);
      for (let i = 0; i < rows.length; i += 250) {
        evaluator.add(
          rows.slice(i, i + 250).map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
      return evaluator.tally();
    })();
    const inlineStarted = process.hrtime.bigint();
    const quietWithInline = await otherTenantLatencies(db, clients.quiet!, inline);
    const inlineSeconds = Number(process.hrtime.bigint() - inlineStarted) / 1e9;
    // The baseline again, last: what changed between the phases besides the replay (autovacuum after
    // 10,000 inserts, other processes on the machine) shows up as a difference between the two.
    const quietAgain = await otherTenantLatencies(db, clients.quiet!, 5000);

    // The replay alone: what it costs the main thread (reading pages, handing them over) while the
    // worker evaluates.
    const mainBefore = mainThreadCpuMs();
    const aloneStarted = process.hrtime.bigint();
    await replayUnderPolicy(db, PLATFORM_ADMIN, "noisy", request);
    const aloneSeconds = Number(process.hrtime.bigint() - aloneStarted) / 1e9;
    const mainCpu = mainThreadCpuMs() - mainBefore;

    const show = (label: string, r: Awaited<ReturnType<typeof otherTenantLatencies>>) =>
      console.log(
        `  ${label.padEnd(52)} p50 ${formatValue(r.p50).padStart(6)} ms   p99 ${formatValue(r.p99).padStart(6)} ms` +
          `   (${r.count} intents; event loop busy ${(r.loopBusy * 100).toFixed(0)}%, delay p99 ${formatValue(r.loopP99)} ms, max ${formatValue(r.loopMax)} ms)`,
      );
    console.log("the other tenant's POST-equivalent submitIntent, in-process, 4 at a time:");
    show("no replay running", quietAlone);
    show(`replay in a worker thread (${workerSeconds.toFixed(1)} s)`, quietWithWorker);
    show(`same loop on the main thread, yield/250 (${inlineSeconds.toFixed(1)} s)`, quietWithInline);
    show("no replay running, again", quietAgain);
    console.log(
      `the replay alone: ${aloneSeconds.toFixed(1)} s, of which the main thread's CPU ${formatValue(mainCpu)} ms ` +
        `(${formatValue((mainCpu * 1000) / REPLAYED)} µs per decision; the rest ran on the worker)`,
    );
    emit("replay_10k_main_thread_cpu", mainCpu, "ms");
    emit("replay_other_tenant_p50_alone", quietAlone.p50, "ms");
    emit("replay_other_tenant_p99_alone", quietAlone.p99, "ms");
    emit("replay_other_tenant_p50_worker", quietWithWorker.p50, "ms");
    emit("replay_other_tenant_p99_worker", quietWithWorker.p99, "ms");
    emit("replay_other_tenant_p50_inline", quietWithInline.p50, "ms");
    emit("replay_other_tenant_p99_inline", quietWithInline.p99, "ms");
    emit("replay_event_loop_delay_max_alone", quietAlone.loopMax, "ms");
    emit("replay_event_loop_delay_max_worker", quietWithWorker.loopMax, "ms");
    emit("replay_event_loop_delay_max_inline", quietWithInline.loopMax, "ms");
    // Added latency: against the mean of the baselines before and after, so that drift between the
    // phases (autovacuum, other processes) counts for neither side.
    const baseline = (key: "p50" | "p99") => (quietAlone[key] + quietAgain[key]) / 2;
    emit("replay_other_tenant_p50_added", quietWithWorker.p50 - baseline("p50"), "ms");
    emit("replay_other_tenant_p99_added", quietWithWorker.p99 - baseline("p99"), "ms");
    emit("replay_10k_worker_seconds", workerSeconds, "s");
  } finally {
    await db.$disconnect();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const slowest = decisionWorstCases();
  if (!process.env.BENCH_SKIP_HTTP) await replayInterference(slowest);
}

if (isMain(import.meta.url)) await run();
