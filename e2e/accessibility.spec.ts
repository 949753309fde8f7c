import AxeBuilder from "@axe-core/playwright";
import { type Browser, expect, type Page, test } from "@playwright/test";
import { DEMO, signIn, snap, state, submitIntent } from "./helpers";

/**
 * Issue 14 §4 in a real browser, on every page at 1440 px and on a phone (390 × 844): axe-core finds
 * no serious or critical violation, nothing scrolls sideways on the phone, every page has its own
 * document title, each layout (landing, centred page, dashboard shell) a skip link that moves focus
 * to the main content, and no two controls on a page share a name. Plus: the tenant tabs show that more are off-screen, an expected conflict says what
 * happened, and approving from a phone works.
 */

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
/** The root layout's title: a page that shows it has none of its own. */
const DEFAULT_TITLE = "ExoArmur";

type Who = "anonymous" | "admin";
/** `redirects`: the page sends a member on (the dashboard opens the tenant), so its title is the next page's. */
type Target = {
  name: string;
  path: () => string;
  who: Who;
  heading: RegExp;
  title: string;
  redirects?: boolean;
};

let decisionId = "";
const run = `${Date.now().toString(36)}`;

const PAGES: Target[] = [
  {
    name: "landing",
    title: "ExoArmur — execution safety gateway",
    path: () => "/",
    who: "anonymous",
    heading: /ExoArmur/,
  },
  {
    name: "sign-in",
    title: "Sign in — ExoArmur",
    path: () => "/sign-in",
    who: "anonymous",
    heading: /Sign in/,
  },
  {
    name: "invite",
    title: "Invitation — ExoArmur",
    path: () => `/invite/${"x".repeat(43)}`,
    who: "anonymous",
    heading: /Invitation/,
  },
  {
    name: "dashboard",
    title: "(the tenant's page)",
    path: () => "/dashboard",
    who: "admin",
    heading: /^(Approvals|Decisions)$/,
    redirects: true,
  },
  { name: "tenants", title: "Tenants — ExoArmur", path: () => "/tenants", who: "admin", heading: /Tenants/ },
  {
    name: "verify",
    title: "Verify evidence — ExoArmur",
    path: () => "/verify",
    who: "admin",
    heading: /Verify/,
  },
  {
    name: "overview",
    title: "Overview — ExoArmur",
    path: () => "/t/demo/overview",
    who: "admin",
    heading: /^Overview$/,
  },
  {
    name: "audit log",
    title: "Audit log — ExoArmur",
    path: () => "/t/demo/audit",
    who: "admin",
    heading: /^Audit log$/,
  },
  {
    name: "tenant verify",
    title: "Verify evidence (demo) — ExoArmur",
    path: () => "/t/demo/verify",
    who: "admin",
    heading: /Verify/,
  },
  {
    name: "decisions",
    title: "Decisions — ExoArmur",
    path: () => "/t/demo/decisions",
    who: "admin",
    heading: /^Decisions$/,
  },
  {
    name: "decision-detail",
    get title() {
      return `Decision ${decisionId} — ExoArmur`;
    },
    path: () => `/t/demo/decisions/${decisionId}`,
    who: "admin",
    heading: /./,
  },
  {
    name: "approvals",
    title: "Approvals — ExoArmur",
    path: () => "/t/demo/approvals",
    who: "admin",
    heading: /Approvals/,
  },
  {
    name: "kill-switches",
    title: "Kill switches — ExoArmur",
    path: () => "/t/demo/kill-switches",
    who: "admin",
    heading: /Kill switches/,
  },
  {
    name: "policies",
    title: "Policies — ExoArmur",
    path: () => "/t/demo/policies",
    who: "admin",
    heading: /Policies/,
  },
  {
    name: "replay",
    title: "Replay — ExoArmur",
    path: () => "/t/demo/replay",
    who: "admin",
    heading: /Replay/,
  },
  {
    name: "chain",
    title: "Chain verification — ExoArmur",
    path: () => "/t/demo/chain",
    who: "admin",
    heading: /Chain/,
  },
  {
    name: "settings",
    title: "Tenant settings — ExoArmur",
    path: () => "/t/demo/settings",
    who: "admin",
    heading: /Settings/,
  },
];

test.beforeAll(async () => {
  // Something in every list: allowed, denied-by-rule and pending decisions, one long parameter.
  decisionId = (
    await submitIntent({
      target: `a11y-allow-${run}`,
      parameters: { note: "an-unbroken-parameter-value-that-must-wrap-rather-than-scroll-0123456789" },
    })
  ).decisionId;
  await submitIntent({ action: "host.quarantine", actionClass: "A2_hard", target: `a11y-wait-${run}` });
  await submitIntent({ action: "db.drop", actionClass: "A3_irreversible", target: `a11y-deny-${run}` });
});

async function open(browser: Browser, who: Who, viewport: { width: number; height: number }) {
  const context = await browser.newContext({ baseURL: state.baseUrl, viewport });
  const page = await context.newPage();
  if (who === "admin") await signIn(page, DEMO.admin, undefined, "landing");
  return page;
}

/** The page has rendered its content: its heading is there and nothing says "Loading…". */
async function settle(page: Page, target: Target) {
  await expect(page.getByRole("heading", { level: 1 }).first()).toHaveText(target.heading);
  await expect(page.getByRole("status").filter({ hasText: /Loading/ })).toHaveCount(0);
}

/** Accessible names of the visible controls, counted (computed by axe-core, which the audit injected). */
async function duplicateControlNames(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const axe = (window as unknown as { axe: AxeGlobal }).axe;
    axe.setup(document);
    try {
      const seen = new Map<string, number>();
      const controls = document.querySelectorAll<HTMLElement>(
        "input:not([type=hidden]), select, textarea, button, summary, [role=button], [role=checkbox], [role=switch], [role=tab]",
      );
      for (const el of controls) {
        const box = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if ((box.width === 0 && box.height === 0) || style.visibility === "hidden") continue;
        if (el.closest("dialog:not([open])")) continue;
        const name = axe.commons.text.accessibleText(el).trim().replace(/\s+/g, " ");
        const key = `${el.tagName.toLowerCase()}${el.getAttribute("type") ? `[${el.getAttribute("type")}]` : ""} "${name}"`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
    } finally {
      axe.teardown();
    }
  });
  type AxeGlobal = {
    setup: (node: Node) => void;
    teardown: () => void;
    commons: { text: { accessibleText: (el: Element) => string } };
  };
}

/** The admin's signed-in cookies, saved once and reused by every page's own browser context. */
let adminCookies: Awaited<ReturnType<import("@playwright/test").BrowserContext["storageState"]>> | undefined;

test("every page has a title of its own", () => {
  const titles = PAGES.filter((p) => !p.redirects).map((p) => p.title);
  expect(new Set(titles).size).toBe(titles.length);
  expect(titles).not.toContain(DEFAULT_TITLE);
});

/** The pages whose layout each has its own skip link: the landing page, a centred page, the shell. */
const SKIP_LINK_CHECKED = new Set(["landing", "sign-in", "decisions"]);

/** axe, unique control names and (on the phone) no sideways scroll, at the page's current size. */
async function audit(page: Page, target: Target, size: "390" | "1440") {
  const axe = await new AxeBuilder({ page }).analyze();
  const bad = axe.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.nodes.length}): ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(" "))
          .join(" | ")}`,
    );
  expect.soft(bad, `axe serious/critical violations at ${size} px`).toEqual([]);
  expect.soft(await duplicateControlNames(page), `controls sharing a name at ${size} px`).toEqual([]);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  console.log(`scrollWidth ${target.name} @${size}: ${width}`);
  if (size === "390") expect.soft(width, "scrollWidth at 390 px").toBeLessThanOrEqual(PHONE.width);
  await snap(page, `a11y-${target.name}-${size}`);
}

// Each page is opened once, on the phone (390 × 844), audited, then widened to 1440 × 900 (as a
// window is) and audited again: the layout follows the width through CSS, with no second load.
for (const target of PAGES) {
  test(`${target.name} at 390 and 1440 px: axe, title, unique control names, no sideways scroll on the phone${SKIP_LINK_CHECKED.has(target.name) ? ", skip link" : ""}`, async ({
    browser,
  }) => {
    test.setTimeout(150_000);
    if (target.who === "admin" && !adminCookies) {
      const page = await open(browser, "admin", DESKTOP);
      adminCookies = await page.context().storageState();
      await page.context().close();
    }
    const context = await browser.newContext({
      baseURL: state.baseUrl,
      viewport: PHONE,
      ...(target.who === "admin" ? { storageState: adminCookies } : {}),
    });
    const page = await context.newPage();
    await page.goto(target.path());
    await settle(page, target);

    // Its own title (the pending-count prefix aside); the dashboard opens the tenant's page.
    const title = (await page.title()).replace(/^\(\d+\) /, "");
    if (target.redirects) expect.soft(title).toMatch(/^(Approvals|Decisions) — ExoArmur$/);
    else expect.soft(title).toBe(target.title);

    await audit(page, target, "390");
    await page.setViewportSize(DESKTOP);
    await audit(page, target, "1440");

    // The first Tab reaches the skip link; following it puts focus in the main content (once per layout).
    if (SKIP_LINK_CHECKED.has(target.name)) {
      await page.reload();
      await settle(page, target);
      await page.keyboard.press("Tab");
      const skip = page.getByRole("link", { name: "Skip to content" });
      await expect(skip, "the first Tab stop is the skip link").toBeFocused({ timeout: 3000 });
      await expect.soft(skip, "the skip link shows when focused").toBeInViewport();
      await page.keyboard.press("Enter");
      await expect
        .poll(() => page.evaluate(() => document.activeElement?.closest("main")?.id ?? null), {
          message: "focus moved to main",
          timeout: 3000,
        })
        .toBe("main");
    }
    await context.close();
  });
}

test("on a phone the tenant tabs show that more are off-screen", async ({ browser }) => {
  const page = await open(browser, "admin", PHONE);
  await page.goto("/t/demo/decisions");
  const nav = page.getByRole("navigation", { name: "Tenant pages" });
  await expect(nav.getByRole("link", { name: "Settings" })).not.toBeInViewport();
  const more = page.getByTestId("tabs-more-end");
  await expect(more).toBeVisible();
  await expect(page.getByTestId("tabs-more-start")).toBeHidden();
  await snap(page, "a11y-tabs-phone-start");
  // Scrolled to the end: the last tab is in view, the end cue goes and the start cue shows.
  await nav.getByRole("link", { name: "Settings" }).scrollIntoViewIfNeeded();
  await expect(nav.getByRole("link", { name: "Settings" })).toBeInViewport();
  await expect(more).toBeHidden();
  await expect(page.getByTestId("tabs-more-start")).toBeVisible();
  await snap(page, "a11y-tabs-phone-end");
  // Wide screen: every tab fits, no cue.
  await page.setViewportSize(DESKTOP);
  await expect(more).toBeHidden();
  await expect(page.getByTestId("tabs-more-start")).toBeHidden();
  await page.context().close();
});

test("an expected conflict says what happened: a tenant that already exists", async ({ browser }) => {
  const page = await open(browser, "admin", DESKTOP);
  await page.goto("/tenants");
  const form = page.getByRole("form", { name: "Create tenant" });
  await form.getByLabel("Tenant id").fill("demo");
  await form.getByLabel("Name", { exact: true }).fill("Demo again");
  await form.getByRole("button", { name: "Create tenant" }).click();
  const alert = form.getByRole("alert");
  await expect(alert).toContainText(/tenant demo already exists/i);
  await expect(alert).not.toContainText("Something went wrong");
  await snap(page, "a11y-conflict-tenant");
  await page.context().close();
});

test("approving from a phone: the queue fits, a card is approved", async ({ browser }) => {
  const target = `a11y-phone-${run}`;
  await submitIntent({ action: "host.quarantine", actionClass: "A2_hard", target });
  const context = await browser.newContext({ baseURL: state.baseUrl, viewport: PHONE });
  const page = await context.newPage();
  await signIn(page, DEMO.operator2, undefined, "landing");
  await page.goto("/t/demo/approvals");
  const card = page.getByTestId("approval-card").filter({ hasText: target });
  await expect(card).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  const approve = card.getByRole("button", { name: `Approve host.quarantine → ${target}` });
  await approve.scrollIntoViewIfNeeded();
  await expect(approve).toBeInViewport();
  await approve.click();
  // The first of two votes: the card stays and says so.
  await expect(card.getByTestId("vote-feedback")).toHaveText("Vote recorded. Approval is PENDING.");
  await snap(page, "a11y-phone-approved");
  await context.close();
});
