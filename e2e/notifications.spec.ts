import { expect, type Page, test } from "@playwright/test";
import { DEMO, signIn, snap, state } from "./helpers";

/**
 * Issue 14 in a real browser: a tenant admin adds notification channels in Settings (a signed
 * webhook and a Slack incoming webhook), sees the server's field errors next to the field (an
 * internal address, a missing secret), removes one; the secret is never shown; the section fits a
 * 390 px wide screen. Delivery itself is covered against a real receiver in
 * tests/http/notifications.test.ts (this server does not allow loopback destinations).
 */

const form = (page: Page) => page.getByRole("form", { name: "Add notification channel" });
const channels = (page: Page) => page.getByRole("list", { name: "Notification channels of demo" });

async function addChannel(page: Page, fields: { type?: string; name: string; url: string; secret?: string }) {
  const f = form(page);
  await f.getByLabel("Channel type").selectOption(fields.type ?? "webhook");
  await f.getByLabel("Channel name").fill(fields.name);
  await f.getByLabel("URL").fill(fields.url);
  if (fields.secret !== undefined) await f.getByLabel("Signing secret").fill(fields.secret);
  await f.getByRole("button", { name: "Add channel" }).click();
}

async function fitsWidth(page: Page, width: number) {
  const { scrollWidth, wide } = await page.evaluate((limit) => {
    // What sticks out, for the failure message.
    const wide = [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > limit && !e.closest("table"))
      .slice(-8)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
    return { scrollWidth: document.documentElement.scrollWidth, wide };
  }, width);
  expect(scrollWidth, wide.join("\n")).toBeLessThanOrEqual(width);
}

test("an admin configures notification channels in Settings", async ({ page }) => {
  await signIn(page, DEMO.admin);
  await page.goto(`${state.baseUrl}/t/demo/settings`);
  await expect(page.getByRole("heading", { name: "Notifications" })).toBeVisible();

  // An internal address: the server's rule, next to the URL field; nothing is added.
  await addChannel(page, { name: "inside", url: "http://169.254.169.254/latest", secret: "s".repeat(20) });
  await expect(
    form(page)
      .getByText(/link-local|not allowed|169\.254/i)
      .first(),
  ).toBeVisible();
  await expect(page.getByText("No notification channels yet")).toBeVisible();

  // A webhook without its secret: the secret field says why.
  await addChannel(page, { name: "on-call", url: "https://alerts.example.com/exoarmur", secret: "" });
  await expect(form(page).getByText(/signs every notification/)).toBeVisible();

  // Then with it: listed as signed, the secret nowhere on the page.
  const secret = "e2e-notify-secret-0123456789";
  await form(page).getByLabel("Signing secret").fill(secret);
  await form(page).getByRole("button", { name: "Add channel" }).click();
  await expect(page.getByText("Channel on-call saved.")).toBeVisible();
  await expect(channels(page)).toContainText("on-call");
  await expect(channels(page)).toContainText("signed");
  expect(await page.content()).not.toContain(secret);

  // A Slack channel, only for approval requests.
  await form(page).getByLabel("Channel type").selectOption("slack");
  await expect(form(page).getByLabel("Signing secret")).toHaveCount(0);
  for (const label of [
    "Approval resolved",
    "Kill switch engaged",
    "Kill switch released",
    "Execution failed",
    "Execution blocked",
  ])
    await form(page).getByLabel(label).uncheck();
  await addChannel(page, {
    type: "slack",
    name: "approvals",
    url: "https://hooks.slack.example/services/T000/B000/XXXX",
  });
  await expect(channels(page).getByRole("listitem")).toHaveCount(2);
  await expect(channels(page).getByRole("listitem").nth(1)).toContainText("approval.requested");
  await expect(page.getByRole("region", { name: "Recent notification deliveries" })).toBeVisible();
  await snap(page, "settings-notifications");

  // After a reload the webhook is still signed (its secret was kept when the Slack one was added).
  await page.reload();
  await expect(channels(page).getByRole("listitem").first()).toContainText("signed");

  // At 390 px the page does not scroll sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole("heading", { name: "Notifications" }).scrollIntoViewIfNeeded();
  await fitsWidth(page, 390);
  await snap(page, "settings-notifications-390");

  // Removing one keeps the other.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByRole("button", { name: "Remove notification channel approvals" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Remove", exact: true }).click();
  await expect(page.getByRole("dialog")).toBeHidden();
  await expect(channels(page).getByRole("listitem")).toHaveCount(1);
  await expect(channels(page)).toContainText("on-call");

  // Clean up for the other specs that share this server.
  await page.getByRole("button", { name: "Remove notification channel on-call" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Remove", exact: true }).click();
  await expect(page.getByText("No notification channels yet")).toBeVisible();
});
