import { readFileSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { DEMO, signIn, snap, state, submitIntent } from "./helpers";

// Issue 14 §3 (auditors and admins): the tenant overview, the audit log from the chain, and exports
// of the decisions list (streamed by the server, under the page's filters) and of a replay result.

const demo = (path: string) => `${state.baseUrl}/t/demo/${path}`;
const unique = (name: string) => `${name}-${Date.now().toString(36)}`;

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(`${state.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${state.adminToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return (await response.json()) as Record<string, unknown>;
}

async function fitsWidth(page: Page, width: number) {
  const { scrollWidth, wide } = await page.evaluate((limit) => {
    const wide = [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > limit)
      .slice(-8)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
    return { scrollWidth: document.documentElement.scrollWidth, wide };
  }, width);
  expect(scrollWidth, wide.join("\n")).toBeLessThanOrEqual(width);
}

/** A tRPC query as the signed-in page would send it. */
const trpcGet = (page: Page, procedure: string, input: unknown) =>
  page.request.get(
    `${state.baseUrl}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`,
  );

test("the overview charts decisions by verdict and counts what needs attention, live", async ({ page }) => {
  await submitIntent({ actionClass: "A1_soft", target: "web-overview" });
  await submitIntent({ action: "db.restore", actionClass: "A2_hard", target: unique("overview-db") });
  await signIn(page, DEMO.auditor);
  const nav = page.getByRole("navigation", { name: "Tenant pages" });
  // First in the tenant navigation.
  await expect(nav.getByRole("link").first()).toHaveText("Overview");
  await nav.getByRole("link", { name: "Overview" }).click();
  await expect(page).toHaveURL(/\/t\/demo\/overview$/, { timeout: 30_000 });
  await expect(page).toHaveTitle(/Overview — ExoArmur/);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
  // The chart is Recharts' SVG, with one bar series per verdict.
  await expect(
    page.getByTestId("verdict-chart").locator(".recharts-wrapper > svg.recharts-surface"),
  ).toBeVisible();
  await expect(page.getByTestId("verdict-chart").locator(".recharts-bar")).toHaveCount(3);
  await expect(page.getByRole("table", { name: /Decisions per day by verdict/ })).toBeAttached();
  const count = async (id: string) => Number(await page.getByTestId(id).textContent());
  expect(await count("overview-total-ALLOW")).toBeGreaterThan(0);
  expect(await count("overview-pending")).toBeGreaterThan(0);
  await expect(page.getByTestId("overview-stream-state")).toBeVisible();

  // A new DENY reaches the page through the live feed, without a reload.
  const denies = await count("overview-total-DENY");
  const deny = await submitIntent({ actionClass: "A3_irreversible", target: unique("overview-deny") });
  expect(deny.verdict).toBe("DENY");
  await expect(page.getByTestId("overview-total-DENY")).toHaveText(String(denies + 1), { timeout: 15_000 });
  await snap(page, "overview-1440");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(
    page.getByTestId("verdict-chart").locator(".recharts-wrapper > svg.recharts-surface"),
  ).toBeVisible();
  await fitsWidth(page, 390);
  await snap(page, "overview-390");

  // Another tenant's overview is "not found"; the page says so too.
  expect((await trpcGet(page, "overview.get", { tenantId: "other" })).status()).toBe(404);
});

test("the audit log lists changes by people and keys from the chain, filterable, with seq links", async ({
  page,
}) => {
  const keyName = unique("audit-key");
  const reason = unique("audit drill");
  await admin("POST", "/api/v1/tenants/demo/api-keys", { role: "auditor", name: keyName });
  await admin("PUT", "/api/v1/kill-switches", {
    scope: "action",
    tenantId: "demo",
    action: "audit.*",
    engaged: true,
    reason,
  });
  await admin("PUT", "/api/v1/kill-switches", {
    scope: "action",
    tenantId: "demo",
    action: "audit.*",
    engaged: false,
    reason: `${reason} over`,
  });

  await signIn(page, DEMO.auditor);
  await page
    .getByRole("navigation", { name: "Tenant pages" })
    .getByRole("link", { name: "Audit log" })
    .click();
  await expect(page).toHaveURL(/\/t\/demo\/audit$/);
  await expect(page).toHaveTitle(/Audit log — ExoArmur/);
  const rows = page.getByTestId("audit-row");
  const keyRow = rows.filter({ hasText: `created auditor key "${keyName}"` });
  await expect(keyRow).toHaveCount(1);
  await expect(keyRow).toContainText("by platform admin");
  await expect(rows.filter({ hasText: `engaged the action switch audit.*: ${reason}` })).toHaveCount(1);
  await expect(rows.filter({ hasText: `released the action switch audit.*: ${reason} over` })).toHaveCount(1);
  // Newest first: the release comes before the engagement.
  const texts = await rows.allInnerTexts();
  const released = texts.findIndex((t) => t.includes(`${reason} over`));
  const engaged = texts.findIndex((t) => t.includes(`: ${reason}\n`) || t.endsWith(`: ${reason}`));
  expect(released).toBeGreaterThanOrEqual(0);
  expect(released).toBeLessThan(engaged === -1 ? Number.POSITIVE_INFINITY : engaged);

  // The seq is a link to the entry itself (its chain position), and the recorded event holds it.
  const seqLink = keyRow.getByRole("link", { name: /demo chain seq \d+/ });
  const seq = Number(/seq (\d+)/.exec((await seqLink.getAttribute("aria-label")) ?? "")?.[1]);
  expect(seq).toBeGreaterThan(0);
  await seqLink.click();
  await expect(page).toHaveURL(new RegExp(`#seq-${seq}$`));
  await keyRow.getByText("Recorded event").click();
  await expect(keyRow.locator("pre")).toContainText(`"seq": ${seq}`);
  await expect(keyRow.locator("pre")).toContainText('"type": "apikey.created"');
  await snap(page, "audit-1440");

  // Filters live in the URL: only key changes; then only what the platform admin did.
  await page.getByLabel("Change").selectOption("key");
  await expect(page).toHaveURL(/category=key/);
  await expect(rows.filter({ hasText: keyName })).toHaveCount(1);
  await expect(rows.filter({ hasText: reason })).toHaveCount(0);
  for (const type of await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-type"))))
    expect(["apikey.created", "apikey.revoked"]).toContain(type);
  await page.goto(demo(`audit?category=switch&by=platform-admin`));
  await expect(rows.filter({ hasText: reason })).toHaveCount(2);
  await page.goto(demo(`audit?by=${encodeURIComponent(DEMO.operator2)}&category=key`));
  await expect(page.getByText("No change matches these filters")).toBeVisible();

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(demo("audit"));
  await expect(rows.first()).toBeVisible();
  await fitsWidth(page, 390);
  await snap(page, "audit-390");

  // Hostile input: another tenant's log is "not found"; a malformed filter names its field.
  const other = await trpcGet(page, "audit.list", { tenantId: "other", filter: {} });
  expect(other.status()).toBe(404);
  const bad = await trpcGet(page, "audit.list", { tenantId: "demo", filter: { category: "nope" } });
  expect(bad.status()).toBe(400);
  expect(await bad.text()).toContain("category");
  const badCursor = await trpcGet(page, "audit.list", { tenantId: "demo", filter: { cursor: "1;drop" } });
  expect(badCursor.status()).toBe(400);
  expect(await badCursor.text()).toContain("cursor");
});

test("the decisions list exports as CSV and JSONL under the page's filters, formula-safe", async ({
  page,
}) => {
  const actor = unique("=e2e-formula");
  await submitIntent({
    actor: { type: "agent", id: actor },
    actionClass: "A3_irreversible",
    target: "web-x1",
  });
  await submitIntent({
    actor: { type: "agent", id: actor },
    actionClass: "A3_irreversible",
    target: "web-x2",
  });
  await submitIntent({ actor: { type: "agent", id: actor }, actionClass: "A1_soft", target: "web-x3" });
  await signIn(page, DEMO.auditor);
  await page.goto(demo(`decisions?verdict=DENY&actor=${encodeURIComponent(actor)}`));
  await expect(page.getByTestId("decision-row")).toHaveCount(2);

  const csvLink = page.getByRole("link", { name: "Export CSV of the filtered decisions" });
  await expect(csvLink).toHaveAttribute("href", /verdict=DENY/);
  const [csvDownload] = await Promise.all([page.waitForEvent("download"), csvLink.click()]);
  expect(csvDownload.suggestedFilename()).toMatch(/^decisions-demo-.*\.csv$/);
  const csv = readFileSync((await csvDownload.path())!, "utf8")
    .split("\r\n")
    .filter(Boolean);
  expect(csv[0]).toBe(
    "id,createdAt,verdict,reason,decidingRule,action,actorId,target,policyVersion,approvalStatus,executionStatus",
  );
  expect(csv).toHaveLength(3);
  for (const line of csv.slice(1)) {
    expect(line).toContain(",DENY,");
    // The actor starts with "=": exported with a leading quote, never as a formula.
    expect(line).toContain(`,'${actor},`);
  }

  const [jsonlDownload] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export JSONL of the filtered decisions" }).click(),
  ]);
  const records = readFileSync((await jsonlDownload.path())!, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { verdict: string; actorId: string });
  expect(records).toHaveLength(2);
  for (const r of records) expect(r).toMatchObject({ verdict: "DENY", actorId: actor });
  await snap(page, "decisions-export-1440");
  await page.setViewportSize({ width: 390, height: 844 });
  await snap(page, "decisions-export-390");

  // Hostile requests: another tenant, malformed and unknown parameters, no session, another site.
  const exportUrl = (query: string) => `${state.baseUrl}/api/export/decisions?${query}`;
  expect((await page.request.get(exportUrl("tenant=other&format=csv"))).status()).toBe(404);
  const bad = await page.request.get(exportUrl("tenant=demo&format=csv&verdict=MAYBE&colour=red"));
  expect(bad.status()).toBe(400);
  const body = (await bad.json()) as { error: { fields: { path: string }[] } };
  expect(body.error.fields.map((f) => f.path).sort()).toEqual(["colour", "verdict"]);
  expect((await page.request.get(exportUrl("tenant=demo&format=xls"))).status()).toBe(400);
  expect((await fetch(exportUrl("tenant=demo&format=csv"))).status).toBe(401);
  const crossSite = await page.request.get(exportUrl("tenant=demo&format=csv"), {
    headers: { "sec-fetch-site": "cross-site" },
  });
  expect(crossSite.status()).toBe(403);
});

test("a replay result exports its changed decisions as CSV and JSONL", async ({ page }) => {
  await submitIntent({ actionClass: "A1_soft", target: "web-replay-export" });
  await signIn(page, DEMO.auditor);
  await page.goto(demo("replay"));
  await page.getByLabel("A draft policy").check();
  await page.getByLabel("Draft policy (JSON)").fill('{"rules":[]}');
  await page.getByRole("button", { name: "Run replay" }).click();
  await expect(page.getByTestId("replay-summary")).toContainText("would change");
  const changed = Number(
    /^(\d+) of/.exec((await page.getByTestId("replay-summary").textContent()) ?? "")?.[1],
  );
  expect(changed).toBeGreaterThan(0);
  const group = page.getByRole("group", { name: "Export replay result" });
  const [csvDownload] = await Promise.all([
    page.waitForEvent("download"),
    group.getByRole("button", { name: "Export CSV" }).click(),
  ]);
  const csv = readFileSync((await csvDownload.path())!, "utf8")
    .split("\r\n")
    .filter(Boolean);
  expect(csv[0]).toMatch(/^decisionId,createdAt,action,actorId,beforeVerdict/);
  expect(csv.length - 1).toBe(Math.min(changed, 500));
  for (const line of csv.slice(1)) expect(line).toContain(",DENY,POLICY_NO_MATCH,");
  const [jsonlDownload] = await Promise.all([
    page.waitForEvent("download"),
    group.getByRole("button", { name: "Export JSONL" }).click(),
  ]);
  const records = readFileSync((await jsonlDownload.path())!, "utf8")
    .trim()
    .split("\n");
  expect(records).toHaveLength(csv.length - 1);
  expect(JSON.parse(records[0]!)).toMatchObject({ after: { verdict: "DENY", reason: "POLICY_NO_MATCH" } });
  await snap(page, "replay-export-1440");
  await page.setViewportSize({ width: 390, height: 844 });
  await fitsWidth(page, 390);
  await snap(page, "replay-export-390");
});
