import { expect, type Page, test } from "@playwright/test";
import { DEMO, signIn, snap, state, submitIntent, userPage } from "./helpers";

// Issue 14 §1–2: an on-call operator notices what waits and what is stopped, on every page, and
// sees enough on a card (or the decision's own page) to vote on it.

const demo = (path: string) => `${state.baseUrl}/t/demo/${path}`;

async function setSwitch(body: Record<string, unknown>) {
  const response = await fetch(`${state.baseUrl}/api/v1/kill-switches`, {
    method: "PUT",
    headers: { authorization: `Bearer ${state.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

const card = (page: Page, target: string) => page.getByTestId("approval-card").filter({ hasText: target });
const unique = (name: string) => `${name}-${Date.now().toString(36)}`;

test("an engaged kill switch shows on every page, and the approval cards it covers say so", async ({
  page,
}) => {
  const target = unique("banner-db");
  await submitIntent({ action: "db.restore", actionClass: "A2_hard", target });
  await setSwitch({
    scope: "action",
    tenantId: "demo",
    action: "db.*",
    engaged: true,
    reason: "e2e: restore drill",
  });
  try {
    await signIn(page, DEMO.operator1);
    for (const path of ["decisions", "approvals", "policies", "kill-switches", "chain"]) {
      await page.goto(demo(path));
      const banner = page.getByTestId("kill-switch-banner");
      await expect(banner).toContainText("Kill switch on db.* engaged");
      await expect(banner).toContainText("e2e: restore drill");
      await expect(banner).toContainText("by platform-admin");
      await expect(banner.getByRole("link", { name: "Kill switches" })).toHaveAttribute(
        "href",
        "/t/demo/kill-switches",
      );
    }
    await page.goto(demo("approvals"));
    const covered = card(page, target);
    await expect(covered.getByTestId("approval-blocked")).toContainText("db.* kill switch engaged");
    await expect(covered.getByRole("button", { name: `Approve db.restore → ${target}` })).toBeDisabled();
    await snap(page, "approvals-under-switch");
  } finally {
    await setSwitch({
      scope: "action",
      tenantId: "demo",
      action: "db.*",
      engaged: false,
      reason: "e2e: drill over",
    });
  }
  await expect(page.getByTestId("kill-switch-banner")).toHaveCount(0, { timeout: 35_000 });
  await expect(
    card(page, target).getByRole("button", { name: `Approve db.restore → ${target}` }),
  ).toBeEnabled();
});

test("pending approvals are counted in the navigation and the tab title, and an operator lands on them", async ({
  page,
}) => {
  await submitIntent({ action: "host.quarantine", actionClass: "A2_hard", target: unique("count") });
  await signIn(page, DEMO.operator2, undefined, "landing");
  await expect(page).toHaveURL(/\/t\/demo\/approvals/);
  // The queue renders once its query answers, all cards at once: count them when the first shows.
  await expect(page.getByTestId("approval-card").first()).toBeVisible();
  const cards = await page.getByTestId("approval-card").count();
  expect(cards).toBeGreaterThan(0);
  const badge = page.getByRole("navigation", { name: "Tenant pages" }).getByTestId("pending-approvals-count");
  await expect(badge).toHaveText(`${cards} pending`);
  await expect(page).toHaveTitle(`(${cards}) Approvals — ExoArmur`);
  await page
    .getByRole("navigation", { name: "Tenant pages" })
    .getByRole("link", { name: "Policies" })
    .click();
  await expect(page).toHaveTitle(`(${cards}) Policies — ExoArmur`);
  // A new one raises the count live, without a reload.
  await submitIntent({ action: "host.quarantine", actionClass: "A2_hard", target: unique("count-live") });
  await expect(badge).toHaveText(`${cards + 1} pending`);
  await expect(page).toHaveTitle(`(${cards + 1}) Policies — ExoArmur`);
});

// The headless shell has no Notification API: this one runs in the full browser.
test("opted-in browser notifications announce a new approval with a link to it", {
  tag: "@full-browser",
}, async ({ browser }) => {
  const context = await browser.newContext({ baseURL: state.baseUrl });
  await context.grantPermissions(["notifications"], { origin: state.baseUrl });
  // Record what the page shows the operating system (the browser's own Notification, wrapped).
  await context.addInitScript(() => {
    const Real = window.Notification;
    const shown: { title: string; body?: string; href?: string }[] = [];
    (window as unknown as { __shown: typeof shown }).__shown = shown;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push({ title, body: options?.body, href: (options?.data as { href?: string })?.href });
      }
    }
    Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
    window.Notification = Recorded as typeof Notification;
  });
  const page = await context.newPage();
  await signIn(page, DEMO.operator1, undefined, "landing");
  await page.goto(demo("approvals"));
  await page.getByRole("button", { name: "Notify me of new approvals" }).click();
  await expect(page.getByRole("button", { name: "Notifications on" })).toBeVisible();
  // Notifications follow the operator to any page of the tenant.
  await page.goto(demo("decisions"));
  // What already waits when the page opens is not new: wait until the page has read it.
  await expect(page).toHaveTitle(/^\(\d+\) Decisions — ExoArmur$/);
  await expect(page.getByTestId("live-state")).toHaveText("live");
  const target = unique("notify");
  const submitted = await submitIntent({ action: "host.quarantine", actionClass: "A2_hard", target });
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __shown: { title: string }[] }).__shown))
    .toContainEqual({
      title: `Approval needed: host.quarantine → ${target}`,
      body: expect.stringContaining("demo"),
      href: `/t/demo/decisions/${submitted.decisionId}`,
    });
  await context.close();
});

test("when the live feed is down the page says so and polls, and new approvals still appear", async ({
  page,
}) => {
  await page.route("**/api/trpc/events.live**", (route) => route.abort());
  await signIn(page, DEMO.operator1, undefined, "landing");
  await page.goto(demo("approvals"));
  await expect(page.getByTestId("live-state")).toHaveText(/^not live — updated \d\d:\d\d$/, {
    timeout: 20_000,
  });
  const target = unique("polled");
  await submitIntent({ action: "host.quarantine", actionClass: "A2_hard", target });
  await expect(card(page, target)).toBeVisible({ timeout: 15_000 });
  await snap(page, "approvals-not-live");
  // The feed comes back: the page says live again.
  await page.unroute("**/api/trpc/events.live**");
  await expect(page.getByTestId("live-state")).toHaveText("live", { timeout: 20_000 });
});

test("a card shows what is asked, by whom, under which rule; a deny names what it denies", async ({
  page,
}) => {
  const target = unique("svc-backup");
  await submitIntent({
    action: "user.disable",
    actionClass: "A2_hard",
    target,
    parameters: { ticket: "CHG-1234", region: "eu-west-1" },
  });
  await signIn(page, DEMO.operator1);
  await page.goto(demo("approvals"));
  const c = card(page, target);
  await expect(c.getByTestId("approval-parameters")).toContainText('ticket: "CHG-1234"');
  await expect(c.getByTestId("approval-parameters")).toContainText('region: "eu-west-1"');
  await expect(c.getByTestId("approval-submitter")).toHaveText("API key “demo client”");
  await expect(c).toContainText("A2-two-operators — hard containment needs two operators");
  await expect(c).toContainText(/\d+ min \d+ s left|\d+ h \d+ min left/);
  await c.getByRole("button", { name: `Deny user.disable → ${target}…` }).click();
  const dialog = page.getByRole("dialog", { name: `Deny user.disable → ${target}?` });
  await dialog.getByLabel(/Reason/).fill("not during the freeze");
  await dialog.getByRole("button", { name: `Deny user.disable → ${target}` }).click();
  // The deny closes it: the card leaves the queue and the page says what came of the vote.
  await expect(page.getByTestId("last-vote")).toHaveText(
    `user.disable → ${target}: Vote recorded. Approval is DENIED.`,
  );
  await expect(c).toHaveCount(0);
});

test("a pending decision is voted on from its own page; the header then tells the outcome", async ({
  browser,
}) => {
  const target = unique("vote-here");
  const submitted = await submitIntent({ action: "host.quarantine", actionClass: "A2_hard", target });
  for (const [who, after] of [
    [DEMO.operator1, "Waiting for approval · 1/2"],
    [DEMO.operator2, "Approved 2/2 · executed SUCCEEDED"],
  ] as const) {
    const page = await userPage(browser, who);
    await page.goto(demo(`decisions/${submitted.decisionId}`));
    await expect(page.getByTestId("approval-countdown")).toHaveText(/left$/);
    await page.getByRole("button", { name: `Approve host.quarantine → ${target}` }).click();
    await expect(page.getByTestId("vote-feedback")).toBeVisible();
    await expect(page.getByTestId("decision-outcome")).toHaveText(after);
    if (who === DEMO.operator2) {
      // The closing vote's outcome stays said, though the vote controls are gone.
      await expect(page.getByTestId("vote-feedback")).toContainText("Approval is APPROVED");
      await expect(page.getByTestId("decision-why")).toHaveText(
        "Needs 2 approvals from operator because rule A2-two-operators (“hard containment needs two operators”) of policy v1 requires it.",
      );
      await expect(page.getByTestId("matched-rule")).toContainText("hard containment needs two operators");
      await snap(page, "decision-approved-outcome");
    }
    await page.context().close();
  }
});

test("a denial by a switch is explained in words and the rules it overrode are marked", async ({ page }) => {
  await setSwitch({ scope: "tenant", tenantId: "demo", engaged: true, reason: "incident 42" });
  let decisionId: string;
  try {
    decisionId = (
      await submitIntent({ action: "host.isolate", actionClass: "A1_soft", target: unique("why") })
    ).decisionId;
  } finally {
    await setSwitch({ scope: "tenant", tenantId: "demo", engaged: false, reason: "incident 42 closed" });
  }
  await signIn(page, DEMO.auditor);
  await page.goto(demo(`decisions/${decisionId}`));
  await expect(page.getByTestId("decision-outcome")).toHaveText("Blocked by kill switch tenant:demo");
  await expect(page.getByTestId("decision-why")).toHaveText(
    /^Denied because the tenant kill switch was engaged by platform-admin at \d\d:\d\d UTC: incident 42$/,
  );
  await expect(page.getByTestId("matched-rule").filter({ hasText: "A1-allow" })).toContainText(
    "overridden by kill switch tenant:demo",
  );
  await expect(page.getByRole("link", { name: "v1" })).toHaveAttribute("href", "/t/demo/policies#version-1");
});

test("needs-my-vote hides what I voted on; a bulk approval records one vote per intent", async ({ page }) => {
  const first = unique("bulk-a");
  const second = unique("bulk-b");
  const a = await submitIntent({ action: "host.quarantine", actionClass: "A2_hard", target: first });
  const b = await submitIntent({ action: "host.quarantine", actionClass: "A2_hard", target: second });
  await signIn(page, DEMO.operator1);
  await page.goto(demo("approvals"));
  for (const target of [first, second]) await card(page, target).getByRole("checkbox").check();
  await page.getByRole("button", { name: "Approve selected (2)" }).click();
  const dialog = page.getByRole("dialog", { name: "Approve 2 approvals?" });
  await expect(dialog).toContainText(first);
  await dialog.getByLabel(/Reason/).fill("change window CHG-9");
  await dialog.getByRole("button", { name: "Approve 2" }).click();
  await expect(page.getByTestId("bulk-vote-summary")).toHaveText("2 of 2 votes recorded.");
  for (const s of [a, b]) {
    const decision = (await (
      await fetch(`${state.baseUrl}/api/v1/decisions/${s.decisionId}`, {
        headers: { authorization: `Bearer ${state.adminToken}` },
      })
    ).json()) as { approval: { approvals: number; votes: { reason: string }[] } };
    expect(decision.approval.approvals).toBe(1);
    expect(decision.approval.votes.map((v) => v.reason)).toEqual(["change window CHG-9"]);
  }
  await page.getByLabel("Needs my vote").check();
  await expect(page).toHaveURL(/[?&]mine=1/);
  await expect(card(page, first)).toHaveCount(0);
  await expect(card(page, second)).toHaveCount(0);
  await page.getByLabel("Needs my vote").uncheck();
  await expect(card(page, first).getByTestId("vote-unavailable")).toHaveText(/already voted/);
});

test("an approval that expires says so, greys out, and leaves the queue", async ({ page }) => {
  const target = unique("short-lived");
  await signIn(page, DEMO.operator1);
  await page.goto(demo("approvals"));
  await submitIntent({ action: "host.quarantine", actionClass: "A2_hard", target, ttlSeconds: 4 });
  const c = card(page, target);
  await expect(c).toBeVisible();
  await expect(c).toHaveAttribute("data-expired", "true", { timeout: 10_000 });
  await expect(c.getByTestId("vote-unavailable")).toHaveText("This approval has expired.");
  await expect(c).not.toContainText("expired left");
  await expect(c).toHaveCount(0, { timeout: 15_000 });
});

test("on a phone the approvals queue and a decision fit the screen, and voting works there", async ({
  browser,
}) => {
  const target = unique("phone");
  const submitted = await submitIntent({
    action: "host.quarantine",
    actionClass: "A2_hard",
    target,
    parameters: {
      note: "a-long-unbroken-parameter-value-that-must-wrap-rather-than-scroll-sideways-0123456789",
    },
  });
  const context = await browser.newContext({ baseURL: state.baseUrl, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, DEMO.operator1, undefined, "landing");
  for (const path of ["approvals", `decisions/${submitted.decisionId}`]) {
    await page.goto(demo(path));
    await expect(page.getByText(target).first()).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  }
  await page.getByRole("button", { name: `Approve host.quarantine → ${target}` }).click();
  await expect(page.getByTestId("decision-outcome")).toHaveText("Waiting for approval · 1/2");
  await snap(page, "decision-phone");
  await context.close();
});
