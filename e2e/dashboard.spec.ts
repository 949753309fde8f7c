import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { DEMO, signIn, snap, state, submitIntent, userPage } from "./helpers";

const demo = (path: string) => `${state.baseUrl}/t/demo/${path}`;

/** Alerts the page shows (Next's own route announcer also has role=alert; it is not one). */
const alerts = (page: import("@playwright/test").Page) =>
  page.locator('[role="alert"]:not(#__next-route-announcer__)');

test("sign-in refuses a wrong password, guards pages, and signs out", async ({ page }) => {
  await page.goto(demo("decisions"));
  await expect(page).toHaveURL(/\/sign-in/);
  await snap(page, "sign-in");
  await page.getByLabel("Email").fill(DEMO.operator1);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(alerts(page)).toContainText("Wrong email or password");

  // The same form, the right password: the user is in (where the dashboard lands them).
  await page.getByLabel("Password").fill(state.passwords[DEMO.operator1]!);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`^${state.baseUrl}/t/demo/(decisions|approvals)`));
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);

  // ?next= is followed only within this site: "/\evil.example" is another host to a browser.
  await page.goto(`${state.baseUrl}/sign-in?next=${encodeURIComponent("/\\evil.example/x")}`);
  await page.getByLabel("Email").fill(DEMO.operator1);
  await page.getByLabel("Password").fill(state.passwords[DEMO.operator1]!);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`^${state.baseUrl}/t/demo/(decisions|approvals)`));
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  // The page's own client may already be navigating to sign-in when goto starts: either way it ends there.
  await page.goto(demo("approvals")).catch(() => {});
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});

test("two operators approve a quorum-2 intent submitted via REST and its execution shows up", async ({
  browser,
}) => {
  const submitted = await submitIntent({
    action: "host.quarantine",
    actionClass: "A2_hard",
    target: "db-quorum",
  });
  expect(submitted.verdict).toBe("REQUIRE_APPROVAL");

  const olga = await userPage(browser, DEMO.operator1);
  await olga.goto(demo("approvals"));
  const card = olga.getByTestId("approval-card").filter({ hasText: "db-quorum" });
  await expect(card).toContainText("0 of 2 approvals");
  await snap(olga, "approvals");
  await card.getByRole("button", { name: /^Approve/ }).click();
  await expect(olga.getByRole("status").filter({ hasText: "Vote recorded" })).toBeVisible();
  await expect(card).toContainText("1 of 2 approvals");
  // The same operator cannot vote twice, and the page says why.
  await expect(card.getByTestId("vote-unavailable")).toHaveText(/already voted/);

  const omar = await userPage(browser, DEMO.operator2);
  await omar.goto(demo("approvals"));
  const omarCard = omar.getByTestId("approval-card").filter({ hasText: "db-quorum" });
  await omarCard.getByRole("button", { name: /^Approve/ }).click();
  await expect(omar.getByRole("status").filter({ hasText: "APPROVED" })).toBeVisible();

  await omar.goto(demo(`decisions/${submitted.decisionId}`));
  await expect(omar.getByTestId("execution-status")).toContainText("SUCCEEDED");
  // The demo tenant runs the built-in record executor: the page shows the call it stored.
  await expect(omar.getByRole("region", { name: "Recorded call" })).toContainText('"target": "db-quorum"');
  await expect(omar.getByRole("table", { name: "Votes" })).toContainText("operator");
  await snap(omar, "decision-detail");

  // Replay now re-evaluates the recorded input and agrees with the record.
  await omar.getByRole("button", { name: "Replay now" }).click();
  await expect(omar.getByTestId("replay-now-result")).toContainText(
    "reproduced the recorded decision exactly",
  );
  await olga.context().close();
  await omar.context().close();
});

test("an operator engages the tenant kill switch and the next REST intent is denied with KILL_SWITCH_TENANT", async ({
  page,
}) => {
  await signIn(page, DEMO.operator1);
  await page.goto(demo("kill-switches"));
  await page.getByRole("button", { name: "Engage tenant kill switch" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("button", { name: "Engage" })).toBeDisabled();
  await dialog.getByLabel(/Reason/).fill("e2e: suspected compromise");
  await dialog.getByRole("button", { name: "Engage" }).click();
  await expect(page.getByRole("button", { name: "Release tenant kill switch" })).toBeVisible();
  await expect(page.getByRole("table").filter({ hasText: "e2e: suspected compromise" })).toBeVisible();
  await snap(page, "kill-switches");

  const denied = await submitIntent({ target: "after-switch" });
  expect(denied).toMatchObject({ verdict: "DENY", reason: "KILL_SWITCH_TENANT" });
  await page.goto(demo(`decisions/${denied.decisionId}`));
  await expect(page.getByTestId("decision-reason")).toHaveText("KILL_SWITCH_TENANT");

  await page.goto(demo("kill-switches"));
  await page.getByRole("button", { name: "Release tenant kill switch" }).click();
  await page
    .getByRole("dialog")
    .getByLabel(/Reason/)
    .fill("e2e: all clear");
  await page.getByRole("dialog").getByRole("button", { name: "Release" }).click();
  await expect(page.getByRole("button", { name: "Engage tenant kill switch" })).toBeVisible();
  expect((await submitIntent({ target: "after-release" })).verdict).toBe("ALLOW");
});

test("an auditor sees no mutating controls and the API refuses a forged mutation", async ({ page }) => {
  await submitIntent({ action: "host.quarantine", actionClass: "A2_hard", target: "auditor-view" });
  await signIn(page, DEMO.auditor);
  await page.goto(demo("approvals"));
  const card = page.getByTestId("approval-card").filter({ hasText: "auditor-view" });
  await expect(card.getByTestId("vote-unavailable")).toHaveText(/Auditors can view/);
  await expect(page.getByRole("button", { name: /^(Approve|Deny)/ })).toHaveCount(0);
  await page.goto(demo("kill-switches"));
  await expect(page.getByText(/auditors can view only/i)).toBeVisible();
  await expect(page.getByRole("button", { name: /Engage|Release/ })).toHaveCount(0);
  await page.goto(demo("policies"));
  await expect(page.getByRole("button", { name: /activate/i })).toHaveCount(0);

  // The same session, forging the calls the hidden buttons would make: refused by the server.
  const forged = await page.request.post(`${state.baseUrl}/api/trpc/killSwitches.setTenant`, {
    headers: { origin: state.baseUrl, "content-type": "application/json" },
    data: { tenantId: "demo", engaged: true, reason: "forged" },
  });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain("you are auditor in demo");
  const vote = await page.request.post(`${state.baseUrl}/api/trpc/approvals.vote`, {
    headers: { origin: state.baseUrl, "content-type": "application/json" },
    data: { tenantId: "demo", approvalId: "apr_x", vote: "approve" },
  });
  expect(vote.status()).toBe(403);
  // A cross-site request with the session cookie is refused before any role is considered.
  const crossSite = await page.request.post(`${state.baseUrl}/api/trpc/chain.verify`, {
    headers: { origin: "https://evil.example", "content-type": "application/json" },
    data: { tenantId: "demo" },
  });
  expect(crossSite.status()).toBe(403);
  expect(await crossSite.text()).toContain("cross-site");
  // Nothing was engaged.
  const switches = await page.request.get(
    `${state.baseUrl}/api/trpc/killSwitches.list?input=${encodeURIComponent(JSON.stringify({ tenantId: "demo" }))}`,
  );
  const listed = (await switches.json()) as {
    result: { data: { switches: { engaged: boolean; reason: string }[] } };
  };
  expect(listed.result.data.switches.filter((s) => s.engaged)).toHaveLength(0);
});

test("an operator of another tenant sees nothing of demo, even by typing its URLs", async ({ page }) => {
  const demoDecision = await submitIntent({ target: "secret-demo-host" });
  await signIn(page, state.otherOperator.email, state.otherOperator.password);
  await expect(page).toHaveURL(/\/t\/other\/decisions/);
  await page
    .getByText(/^Tenant/)
    .first()
    .click();
  await expect(page.getByRole("navigation", { name: "Tenants" }).getByRole("link")).toHaveText([/other/]);
  for (const path of [
    "decisions",
    `decisions/${demoDecision.decisionId}`,
    "approvals",
    "kill-switches",
    "policies",
    "chain",
  ]) {
    await page.goto(demo(path));
    await expect(alerts(page).first()).toContainText(/not found/i);
    await expect(page.getByText("secret-demo-host")).toHaveCount(0);
  }
  // The demo decision id under the other tenant's URL is not found either.
  await page.goto(`${state.baseUrl}/t/other/decisions/${demoDecision.decisionId}`);
  await expect(alerts(page).first()).toContainText(/not found/i);
  await snap(page, "other-tenant-not-found");
});

test("a new decision appears live on the decisions page without reload", async ({ page }) => {
  await signIn(page, DEMO.auditor);
  await expect(page.getByTestId("live-state")).toHaveText("live");
  const action = `probe.live${Date.now()}`;
  await expect(page.getByText(action)).toHaveCount(0);
  let reloaded = false;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) reloaded = true;
  });
  await submitIntent({ action, target: "live-host" });
  await expect(page.getByTestId("decision-row").filter({ hasText: action })).toBeVisible();
  expect(reloaded).toBe(false);
  await snap(page, "decisions");

  // Filters are server-side: only DENY rows, then only this action.
  await page.getByLabel("Verdict").selectOption("DENY");
  await expect(page.getByTestId("decision-row").filter({ hasText: action })).toHaveCount(0);
  await page.getByLabel("Verdict").selectOption("");
  await page.getByLabel("Action").fill(action);
  await page.getByLabel("Action").press("Enter");
  await expect(page.getByTestId("decision-row")).toHaveCount(1);
});

test("an auditor replays history under a changed policy and sees the diff", async ({ page }) => {
  for (let i = 0; i < 3; i++) await submitIntent({ target: `replay-${i}` });
  await signIn(page, DEMO.auditor);
  await page.goto(demo("replay"));
  const draft = {
    rules: [
      { id: "A1-now-denied", match: { actionClasses: ["A1_soft"] }, effect: "deny" },
      {
        id: "A2-two-operators",
        match: { actionClasses: ["A2_hard"] },
        effect: "require_approval",
        approval: { quorum: 2, roles: ["operator"] },
      },
      { id: "A3-deny", match: { actionClasses: ["A3_irreversible"] }, effect: "deny" },
    ],
  };
  await page
    .getByLabel(/draft/i)
    .first()
    .check()
    .catch(() => {});
  await page.getByRole("textbox", { name: /policy/i }).fill(JSON.stringify(draft, null, 2));
  await page.getByRole("button", { name: /run replay/i }).click();
  const summary = page.getByTestId("replay-summary");
  await expect(summary).toContainText(/would change/);
  const changed = Number(/(\d+) of (\d+)/.exec((await summary.textContent()) ?? "")?.[1]);
  expect(changed).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId("replay-change").first()).toContainText("ALLOW");
  await expect(page.getByTestId("replay-change").first()).toContainText("DENY");
  await snap(page, "replay");
});

test("a tampered evidence bundle dropped in the browser fails and names the changed field", async ({
  page,
}) => {
  const decided = await submitIntent({ target: "evidence-host" });
  await signIn(page, DEMO.auditor);
  await page.goto(demo(`decisions/${decided.decisionId}`));
  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download evidence" }).click();
  const download = await downloading;
  const file = join(state.dataDir, "..", `evidence-${decided.decisionId}.json`);
  await download.saveAs(file);
  const bundle = JSON.parse(readFileSync(file, "utf8"));

  await page.goto(`${state.baseUrl}/verify`);
  const drop = async (name: string, text: string) => {
    // A real drop event carrying a File, as dragging from the desktop produces.
    const dataTransfer = await page.evaluateHandle(
      ({ name, text }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], name, { type: "application/json" }));
        return dt;
      },
      { name, text },
    );
    await page.getByTestId("verify-dropzone").dispatchEvent("drop", { dataTransfer });
  };
  await drop("good.json", JSON.stringify(bundle));
  await expect(page.getByTestId("verify-result")).toContainText("Verified");

  bundle.input.intent.target = "someone-else";
  writeFileSync(file, JSON.stringify(bundle));
  await drop("tampered.json", JSON.stringify(bundle));
  const result = page.getByTestId("verify-result");
  await expect(result).toContainText("Failed");
  // The same verdict and the same mismatch paths as `exoarmur verify` on the same file.
  const cli = spawnSync("node", ["bin/exoarmur.mjs", "verify", "--json", file], { encoding: "utf8" });
  expect(cli.status).toBe(1);
  const cliPaths = (JSON.parse(cli.stdout) as { mismatches: { path: string }[] }).mismatches.map(
    (m) => m.path,
  );
  expect(cliPaths).toContain("input.intent");
  for (const path of cliPaths)
    await expect(result.getByRole("cell", { name: path, exact: true })).toBeVisible();
  await snap(page, "verify-tampered");
});

test("an expired session sends the user back to sign-in", async ({ page }) => {
  await signIn(page, DEMO.auditor);
  const runtime = JSON.parse(readFileSync(join(state.dataDir, "runtime.json"), "utf8")) as {
    databaseUrl: string;
  };
  const client = new pg.Client(runtime.databaseUrl);
  await client.connect();
  await client.query(
    `UPDATE "Session" SET "expiresAt" = now() - interval '1 minute' WHERE "userId" = (SELECT id FROM "User" WHERE email = $1)`,
    [DEMO.auditor],
  );
  await client.end();
  // The page's own client may already be navigating to sign-in when goto starts: either way it ends there.
  await page.goto(demo("approvals")).catch(() => {});
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});

test("every page renders for the platform admin (screenshots)", async ({ page }) => {
  await signIn(page, DEMO.admin);
  for (const [path, heading] of [
    ["decisions", "Decisions"],
    ["approvals", "Approvals"],
    ["kill-switches", /Kill switches/],
    ["policies", "Policies"],
    ["replay", "Replay"],
    ["chain", /Chain/],
    ["settings", /Settings/],
  ] as const) {
    await page.goto(demo(path));
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: "Loading" })).toHaveCount(0);
    await snap(page, `page-${path}`);
  }
  await page.goto(demo("chain"));
  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByTestId("chain-result")).toContainText(/OK|intact|verified/i);
  await page.goto(`${state.baseUrl}/tenants`);
  await expect(page.getByRole("heading", { level: 1, name: "Tenants" })).toBeVisible();
  await snap(page, "page-tenants");
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(demo("decisions"));
  await snap(page, "decisions-laptop");
  await page.setViewportSize({ width: 2560, height: 1200 });
  await snap(page, "decisions-wide");
});

test("a platform admin creates a tenant, writes its policy in the editor, issues and revokes a key, and suspends it", async ({
  page,
}) => {
  const id = `corp${Date.now().toString(36)}`;
  await signIn(page, DEMO.admin);
  await page.goto(`${state.baseUrl}/tenants`);
  const form = page.getByRole("form", { name: "Create tenant" });
  await form.getByLabel("Tenant id").fill("Not A Slug!");
  await form.getByLabel("Name").fill("Bad id");
  await form.getByRole("button", { name: "Create tenant" }).click();
  await expect(form).toContainText(/lowercase|must/i);
  await form.getByLabel("Tenant id").fill(id);
  await form.getByLabel("Name").fill("E2E Corp");
  await form.getByRole("button", { name: "Create tenant" }).click();
  await expect(page.getByRole("link", { name: `Open tenant ${id}` })).toBeVisible();

  // A client key, shown once.
  await page.goto(`${state.baseUrl}/t/${id}/settings`);
  const keyForm = page.getByRole("form", { name: "Create API key" });
  await keyForm.getByLabel("Key name").fill("e2e automation");
  await keyForm.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByTestId("new-api-key");
  await expect(shown).toContainText("you will not see it again");
  const key = await shown.getByLabel("API key").inputValue();
  expect(key).toMatch(/^exo_/);
  await snap(page, "settings-new-key");
  await shown.getByRole("button", { name: "I have stored it" }).click();
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);

  // No policy yet: nothing matches, fail closed.
  expect(await submitIntent({ target: "corp-1" }, key)).toMatchObject({
    verdict: "DENY",
    reason: "POLICY_NO_MATCH",
  });

  // The editor refuses an invalid document as you type, then saves a valid one.
  await page.goto(`${state.baseUrl}/t/${id}/policies`);
  const editor = page.getByLabel("Policy document (JSON)");
  await editor.fill('{"rules": [{"id": "r1", "effect": "perhaps"}]}');
  await expect(page.getByText(/rules\[0\]\.effect/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Save and activate…" })).toBeDisabled();
  await editor.fill(
    JSON.stringify({ rules: [{ id: "soft-ok", match: { actionClasses: ["A1_soft"] }, effect: "allow" }] }),
  );
  await expect(page.getByText(/valid — 1 rule/)).toBeVisible();
  await page.getByRole("button", { name: "Save and activate…" }).click();
  const review = page.getByRole("dialog", { name: "Activate version 1?" });
  await review.getByLabel(/Change note/).fill("First policy: soft actions only");
  await review.getByRole("button", { name: "Activate version 1" }).click();
  await expect(page.getByText(/Saved as version 1/)).toBeVisible();
  expect(await submitIntent({ target: "corp-2" }, key)).toMatchObject({
    verdict: "ALLOW",
    decidingRule: "soft-ok",
  });

  // Revoked: the key stops working at once.
  await page.goto(`${state.baseUrl}/t/${id}/settings`);
  await page.getByRole("button", { name: "Revoke API key e2e automation" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke", exact: true }).click();
  await expect(page.getByRole("dialog")).toBeHidden();
  const refused = await fetch(`${state.baseUrl}/api/v1/intents`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      "idempotency-key": "after-revoke",
    },
    body: "{}",
  });
  expect(refused.status).toBe(401);

  // Suspended: shown as such in the list.
  await page.goto(`${state.baseUrl}/tenants`);
  await page.getByRole("button", { name: `Suspend tenant ${id}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Suspend", exact: true }).click();
  await expect(page.getByRole("button", { name: `Activate tenant ${id}` })).toBeVisible();
});
