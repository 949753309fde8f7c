// The dashboard with 100,000 stored decisions: `npm start` on a fresh embedded database (which seeds
// the demo tenant and users), 100k decisions inserted in bulk, then
//   - the decisions list tRPC query, over HTTP with a real session cookie: first page, each filter,
//     and 100 pages deep by cursor — p50/p95 per kind and overall;
//   - the decisions page in Debian's chromium: first contentful paint and "first row visible";
//   - the overview page (issue 14 §3: 14 days of decisions by verdict, grouped in the database):
//     its tRPC query p50/p95, and in chromium its first contentful paint and "chart drawn".

import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "@playwright/test";
import pg from "pg";
import { CHROMIUM_ARGS } from "../e2e/chromium-args";
import { startServer } from "../tests/support/server";
import { emit, isMain } from "./harness";

const DECISIONS = Number(process.env.BENCH_DASHBOARD_DECISIONS ?? 100_000);
const SAMPLES = Number(process.env.BENCH_DASHBOARD_SAMPLES ?? 40);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

/** Bulk rows shaped like real ones: intent, decision (input/output JSON), execution for ALLOWs. */
const SEED = `
WITH g AS (
  SELECT n,
         (ARRAY['ALLOW','ALLOW','ALLOW','REQUIRE_APPROVAL','DENY'])[1 + n % 5] AS verdict,
         (ARRAY['host.isolate','host.quarantine','user.disable','dns.block','ticket.create'])[1 + n % 5 ] AS action,
         'agent-' || (n % 50) AS actor,
         now() - (n * interval '20 seconds') AS at
    FROM generate_series(1, $1::int) AS n
), i AS (
  INSERT INTO "Intent" (id, "tenantId", "idempotencyKey", "intentHash", "submissionHash", "submittedBy", body, "createdAt")
  SELECT 'int_b' || n, 'demo', 'bench-' || n, md5(n::text), md5(n::text), 'key_bench',
         jsonb_build_object('action', action, 'target', 'web-' || n, 'actor', jsonb_build_object('type','agent','id',actor)), at
    FROM g
)
INSERT INTO "Decision" (id, "tenantId", "intentId", verdict, reason, "decidingRule", action, "actorId", input, output,
                        "inputHash", "outputHash", "policyVersion", "policyHash", "evaluatedAt", "createdAt")
SELECT 'dec_b' || n, 'demo', 'int_b' || n, verdict,
       CASE verdict WHEN 'ALLOW' THEN 'POLICY_ALLOW' WHEN 'DENY' THEN 'POLICY_DENY' ELSE 'POLICY_REQUIRE_APPROVAL' END,
       CASE verdict WHEN 'ALLOW' THEN 'A1-allow' WHEN 'DENY' THEN 'A3-deny' ELSE 'A2-two-operators' END,
       action, actor,
       jsonb_build_object('intent', jsonb_build_object('tenantId','demo','action',action,'actionClass','A1_soft','target','web-' || n,
                          'actor', jsonb_build_object('type','agent','id',actor),'parameters','{}'::jsonb,
                          'requestedAt', to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),'ttlSeconds',600),
                          'killSwitches','[]'::jsonb, 'tenant', jsonb_build_object('id','demo','status','active'),
                          'evaluatedAt', to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
       jsonb_build_object('verdict', verdict, 'matchedRules', '[]'::jsonb),
       md5('in' || n), md5('out' || n), 1, md5('policy'), at, at
  FROM g`;

const EXECUTIONS = `
INSERT INTO "Execution" (id, "tenantId", "decisionId", status, attempts, "nextAttemptAt", "createdAt", "updatedAt")
SELECT 'exe_b' || substr(id, 6), 'demo', id, 'SUCCEEDED', 1, "createdAt", "createdAt", "createdAt"
  FROM "Decision" WHERE id LIKE 'dec_b%' AND verdict = 'ALLOW'`;

/**
 * The chain events those decisions would have (one intent.decided each), far above the
 * demo chain's real seqs, so the audit log reads past 100,000 events that are not changes.
 */
const EVENTS = `
INSERT INTO "Event" ("tenantId", seq, type, "subjectId", at, payload, "prevHash", hash)
SELECT 'demo', 1000000 + n, 'intent.decided', 'dec_b' || n,
       to_char(now() - (($1::int - n) * interval '20 seconds'), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       jsonb_build_object('intentId', 'int_b' || n), md5('p' || n), md5('h' || n)
  FROM generate_series(1, $1::int) AS n`;

export async function run(): Promise<void> {
  console.log(`\n== dashboard: ${DECISIONS.toLocaleString("en")} decisions, npm start + chromium ==`);
  const root = mkdtempSync(join(tmpdir(), "exoarmur-bench-dash-"));
  chmodSync(root, 0o711);
  const dataDir = join(root, "data");
  const server = await startServer({
    EXOARMUR_DATA_DIR: dataDir,
    DATABASE_URL: "",
    EXOARMUR_SIGNIN_PER_MINUTE: "1000",
    EXOARMUR_SIGNIN_PER_IP_PER_MINUTE: "1000",
  });
  try {
    // The first start writes the demo credentials to a 0600 file in the data dir (not to stdout).
    const credentials = readFileSync(join(dataDir, "demo-credentials"), "utf8");
    const password = /auditor@demo\.exoarmur\.local\s.*password: (\S+)/.exec(credentials)?.[1];
    if (!password) throw new Error(`no demo credentials in ${join(dataDir, "demo-credentials")}`);
    const { databaseUrl } = JSON.parse(readFileSync(join(dataDir, "runtime.json"), "utf8")) as {
      databaseUrl: string;
    };
    const db = new pg.Client(databaseUrl);
    await db.connect();
    const t = performance.now();
    await db.query(SEED, [DECISIONS]);
    await db.query(EXECUTIONS);
    await db.query(EVENTS, [DECISIONS]);
    await db.query(`ANALYZE "Decision"; ANALYZE "Execution"; ANALYZE "Approval"; ANALYZE "Event"`);
    console.log(`seeded ${DECISIONS} decisions in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await db.end();

    // Sign in as the auditor, as the browser does (same-origin POST).
    const signIn = await fetch(`${server.baseUrl}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.baseUrl },
      body: JSON.stringify({ email: "auditor@demo.exoarmur.local", password }),
    });
    if (!signIn.ok) throw new Error(`sign-in: ${signIn.status} ${await signIn.text()}`);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");

    const list = async (filter: Record<string, unknown>) => {
      const input = encodeURIComponent(
        JSON.stringify({ tenantId: "demo", filter: { limit: 50, ...filter } }),
      );
      const started = performance.now();
      const response = await fetch(`${server.baseUrl}/api/trpc/decisions.list?input=${input}`, {
        headers: { cookie },
      });
      const body = (await response.json()) as { result?: { data: { rows: unknown[]; nextCursor: unknown } } };
      const ms = performance.now() - started;
      if (!body.result) throw new Error(`decisions.list failed: ${JSON.stringify(body)}`);
      return { ms, data: body.result.data };
    };
    const day = 24 * 3600 * 1000;
    const kinds: Record<string, () => Record<string, unknown>> = {
      first_page: () => ({}),
      verdict: () => ({ verdict: "DENY" }),
      action: () => ({ action: "user.disable" }),
      actor: () => ({ actor: "agent-7" }),
      time_range: () => ({
        from: new Date(Date.now() - 10 * day).toISOString(),
        to: new Date(Date.now() - 9 * day).toISOString(),
      }),
      combined: () => ({ verdict: "ALLOW", action: "host.isolate", actor: "agent-10" }),
    };
    for (let i = 0; i < 5; i++) await list({}); // warm-up: JIT, connection pool, plan cache
    const all: number[] = [];
    for (const [kind, filter] of Object.entries(kinds)) {
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) times.push((await list(filter())).ms);
      all.push(...times);
      console.log(
        `  ${kind.padEnd(12)} p50 ${percentile(times, 50).toFixed(1)} ms  p95 ${percentile(times, 95).toFixed(1)} ms`,
      );
    }
    // Walk 100 pages deep by cursor: keyset pagination costs the same on page 100 as on page 1.
    const deep: number[] = [];
    let cursor: unknown;
    for (let page = 0; page < 100; page++) {
      const { ms, data } = await list(cursor ? { cursor } : {});
      deep.push(ms);
      cursor = data.nextCursor;
    }
    all.push(...deep);
    console.log(
      `  ${"pages_1_100".padEnd(12)} p50 ${percentile(deep, 50).toFixed(1)} ms  p95 ${percentile(deep, 95).toFixed(1)} ms  (page 100: ${deep.at(-1)!.toFixed(1)} ms)`,
    );
    emit("dashboard_list_query_p50", percentile(all, 50), "ms");
    emit("dashboard_list_query_p95", percentile(all, 95), "ms");

    const overviewInput = encodeURIComponent(JSON.stringify({ tenantId: "demo" }));
    const overviewTimes: number[] = [];
    for (let i = 0; i < 5 + SAMPLES; i++) {
      const started = performance.now();
      const response = await fetch(`${server.baseUrl}/api/trpc/overview.get?input=${overviewInput}`, {
        headers: { cookie },
      });
      const body = (await response.json()) as { result?: { data: { totals: Record<string, number> } } };
      if (!body.result) throw new Error(`overview.get failed: ${JSON.stringify(body)}`);
      if (i >= 5) overviewTimes.push(performance.now() - started); // the first five warm up
      if (i === 0) console.log(`  overview totals (14 days): ${JSON.stringify(body.result.data.totals)}`);
    }
    console.log(
      `  ${"overview".padEnd(12)} p50 ${percentile(overviewTimes, 50).toFixed(1)} ms  p95 ${percentile(overviewTimes, 95).toFixed(1)} ms`,
    );
    emit("dashboard_overview_query_p50", percentile(overviewTimes, 50), "ms");
    emit("dashboard_overview_query_p95", percentile(overviewTimes, 95), "ms");

    // The audit log past those events: every change, then one category.
    const auditTimes: number[] = [];
    for (const filter of [{}, { category: "policy" }, { category: "member" }]) {
      const input = encodeURIComponent(JSON.stringify({ tenantId: "demo", filter }));
      for (let i = 0; i < 5 + SAMPLES; i++) {
        const started = performance.now();
        const response = await fetch(`${server.baseUrl}/api/trpc/audit.list?input=${input}`, {
          headers: { cookie },
        });
        const body = (await response.json()) as { result?: { data: { rows: unknown[] } } };
        if (!body.result) throw new Error(`audit.list failed: ${JSON.stringify(body)}`);
        if (i >= 5) auditTimes.push(performance.now() - started);
      }
    }
    console.log(
      `  ${"audit_log".padEnd(12)} p50 ${percentile(auditTimes, 50).toFixed(1)} ms  p95 ${percentile(auditTimes, 95).toFixed(1)} ms`,
    );
    emit("dashboard_audit_query_p50", percentile(auditTimes, 50), "ms");
    emit("dashboard_audit_query_p95", percentile(auditTimes, 95), "ms");

    // The page in a real browser: FCP and the first table row, five loads (the first one cold).
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: CHROMIUM_ARGS,
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // Sign in through the page, as a person does; the timed loads come after.
    const signInPage = await context.newPage();
    await signInPage.goto(`${server.baseUrl}/sign-in`);
    await signInPage.getByLabel("Email").fill("auditor@demo.exoarmur.local");
    await signInPage.getByLabel("Password").fill(password);
    await signInPage.getByRole("button", { name: "Sign in" }).click();
    await signInPage.waitForURL(/\/t\/demo\/decisions/);
    await signInPage.close();
    /**
     * Six loads of a page (the first one cold): first contentful paint, and the time from the
     * navigation's commit (not "load") to `ready` being visible, as a person sees it.
     */
    const loads = async (path: string, ready: string, what: string) => {
      const fcp: number[] = [];
      const shown: number[] = [];
      for (let i = 0; i < 6; i++) {
        const page = await context.newPage();
        const started = performance.now();
        await page.goto(`${server.baseUrl}${path}`, { waitUntil: "commit" });
        await page.locator(ready).first().waitFor();
        shown.push(performance.now() - started);
        await page.waitForLoadState("load");
        fcp.push(
          await page.evaluate(
            () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN,
          ),
        );
        console.log(
          `  ${path} load ${i + 1}: FCP ${fcp[i]!.toFixed(0)} ms, ${what} ${shown[i]!.toFixed(0)} ms${i === 0 ? " (first load)" : ""}`,
        );
        await page.close();
      }
      return { fcps: fcp, shown };
    };
    const { fcps, shown: rows } = await loads("/t/demo/decisions", "[data-testid=decision-row]", "first row");
    // The overview page the same way: FCP and the chart's bars drawn.
    const { fcps: overviewFcps, shown: charts } = await loads(
      "/t/demo/overview",
      "[data-testid=verdict-chart] .recharts-bar-rectangle",
      "chart drawn",
    );
    await browser.close();
    emit("dashboard_overview_fcp_cold", overviewFcps[0]!, "ms");
    emit("dashboard_overview_fcp_p50", percentile(overviewFcps.slice(1), 50), "ms");
    emit("dashboard_overview_fcp_max", Math.max(...overviewFcps), "ms");
    emit("dashboard_overview_chart_p50", percentile(charts.slice(1), 50), "ms");
    emit("dashboard_fcp_cold", fcps[0]!, "ms");
    emit("dashboard_fcp_p50", percentile(fcps.slice(1), 50), "ms");
    emit("dashboard_fcp_max", Math.max(...fcps), "ms");
    emit("dashboard_first_row_p50", percentile(rows.slice(1), 50), "ms");
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await run();
