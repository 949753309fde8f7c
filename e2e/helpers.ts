import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, expect, type Page } from "@playwright/test";
import { type E2EState, e2eState } from "./state";

export const state: E2EState = e2eState();
export const DEMO = {
  admin: "admin@demo.exoarmur.local",
  operator1: "operator1@demo.exoarmur.local",
  operator2: "operator2@demo.exoarmur.local",
  auditor: "auditor@demo.exoarmur.local",
} as const;

const ARTIFACTS = join(process.cwd(), "e2e-artifacts", "screenshots");
mkdirSync(ARTIFACTS, { recursive: true });

/** A full-page screenshot kept as a test artifact (e2e-artifacts/, not committed). */
export async function snap(page: Page, name: string) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Signs in through the endpoint the sign-in form posts to, in the page's browser context (its
 * cookie jar), then opens /dashboard, where the form sends a user without `?next=`. The form itself
 * is driven in dashboard.spec.ts (a wrong password, then a right one), sign-in-redirect.spec.ts and
 * the accessibility pass; here it would only cost every spec a page load and a render (CI time).
 * The dashboard lands on the approvals queue when something waits there, else on decisions;
 * `to: "decisions"` (the default) then opens Decisions from the navigation, as a user would.
 */
export async function signIn(
  page: Page,
  email: string,
  password = state.passwords[email]!,
  to: "decisions" | "landing" = "decisions",
) {
  const response = await page.request.post(`${state.baseUrl}/api/auth/sign-in/email`, {
    headers: { origin: state.baseUrl },
    data: { email, password },
  });
  expect(response.status(), `sign-in of ${email}: ${await response.text()}`).toBe(200);
  await page.goto(`${state.baseUrl}/dashboard`);
  await expect(page).toHaveURL(/\/t\/[^/]+\/(decisions|approvals)/);
  if (to === "decisions" && !/\/decisions/.test(page.url())) {
    await page
      .getByRole("navigation", { name: "Tenant pages" })
      .getByRole("link", { name: "Decisions" })
      .click();
    await expect(page).toHaveURL(/\/t\/[^/]+\/decisions/);
  }
}

/** A signed-in page in its own browser context (its own cookies), as a second person would have. */
export async function userPage(browser: Browser, email: string, password?: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: state.baseUrl, acceptDownloads: true });
  const page = await context.newPage();
  await signIn(page, email, password);
  return page;
}

let counter = 0;
/** Submits an intent through the REST API with a client key, as automation would. */
export async function submitIntent(fields: Record<string, unknown>, key = state.clientKey) {
  counter++;
  const body = {
    actor: { type: "agent", id: "soar-1" },
    action: "host.isolate",
    actionClass: "A1_soft",
    target: `web-${counter}`,
    parameters: {},
    requestedAt: new Date().toISOString(),
    ttlSeconds: 600,
    ...fields,
  };
  const response = await fetch(`${state.baseUrl}/api/v1/intents`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      "idempotency-key": `e2e-${Date.now()}-${counter}`,
    },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as {
    decisionId: string;
    verdict: string;
    reason: string;
    approvalId?: string;
    executionId?: string;
  };
  expect(response.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}
