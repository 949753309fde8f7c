import { expect, test } from "@playwright/test";
import { DEMO, signIn, snap, state, submitIntent } from "./helpers";

/**
 * The decisions list and time zones (issue 14 §3): a Target column and rows that open as a whole;
 * action and actor filters that take prefixes and globs and apply as you type; filters that put UTC
 * instants in the URL; one display zone (UTC or local, remembered) and relative times. The browser
 * runs in Berlin (UTC+1 in December), so local and UTC differ.
 */
test.use({ timezoneId: "Europe/Berlin" });

const run = Date.now().toString(36);

/** The header's display-zone switch: a radio group whose labels are what people click. */
const chooseZone = async (page: import("@playwright/test").Page, zone: "UTC" | "Local") => {
  await page.getByRole("group", { name: "Show times in" }).getByText(zone, { exact: true }).click();
  await expect(page.getByRole("radio", { name: zone })).toBeChecked();
};

test("a Target column, and a click anywhere on a row opens the decision", async ({ page }) => {
  const made = await submitIntent({
    action: "host.quarantine",
    target: `tgt-${run}`,
    actionClass: "A1_soft",
  });
  await signIn(page, DEMO.auditor);
  const table = page.getByRole("table", { name: "Decisions" });
  await expect(table.getByRole("columnheader", { name: "Target" })).toBeVisible();
  const row = table.getByTestId("decision-row").filter({ hasText: `tgt-${run}` });
  await expect(row).toHaveCount(1);
  // Relative age next to the time.
  await expect(row).toContainText(/ago|now/);
  // The cell's text lies under the row's link (its ::after covers the row), so the click is checked
  // by where it lands, not by the text being the topmost element.
  await row.getByText(`tgt-${run}`).click({ force: true });
  await expect(page).toHaveURL(new RegExp(`/decisions/${made.decisionId}$`));
});

test("action and actor filters take prefixes and globs, and apply as you type", async ({ page }) => {
  await submitIntent({ action: `glob${run}.read`, actor: { type: "agent", id: `bot-${run}-a` } });
  await submitIntent({ action: `glob${run}.write`, actor: { type: "agent", id: `bot-${run}-b` } });
  await submitIntent({ action: `other${run}.read`, actor: { type: "agent", id: `man-${run}` } });
  await signIn(page, DEMO.auditor);
  const rows = page.getByRole("table", { name: "Decisions" }).getByTestId("decision-row");

  // A prefix, typed without Enter: the URL and the list follow once typing pauses.
  await page.getByLabel("Action (prefix or glob)").pressSequentially(`glob${run}`, { delay: 20 });
  await expect(page).toHaveURL(new RegExp(`action=glob${run}($|&)`));
  await expect(rows).toHaveCount(2);
  // A glob: anything ending in .read of this run.
  await page.getByLabel("Action (prefix or glob)").fill(`*${run}.read`);
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: `other${run}.read` })).toHaveCount(1);
  await expect(rows.filter({ hasText: `glob${run}.write` })).toHaveCount(0);
  // An actor glob with ? narrows further.
  await page.getByLabel("Actor (prefix or glob)").fill(`bot-${run}-?`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`glob${run}.read`);
  await snap(page, "decisions-glob-filters");
  // The link works for someone else: same filters from the URL.
  const url = page.url();
  await page.goto(url);
  await expect(page.getByLabel("Actor (prefix or glob)")).toHaveValue(`bot-${run}-?`);
  await expect(rows).toHaveCount(1);
});

test("time filters put UTC instants in the URL; times show in UTC or local time, as chosen, and stay so", async ({
  page,
}) => {
  await submitIntent({ target: `tz-${run}` });
  await signIn(page, DEMO.auditor);
  const firstTime = page.getByRole("table", { name: "Decisions" }).locator("time").first();
  await expect(firstTime).toContainText("UTC");

  // Local time (Berlin): the same instant, an hour later on the clock, labelled with its offset.
  const iso = (await firstTime.getAttribute("datetime"))!;
  await chooseZone(page, "Local");
  await expect(firstTime).toContainText("GMT+1");
  const berlin = new Date(Date.parse(iso) + 3_600_000).toISOString().slice(11, 19);
  await expect(firstTime).toContainText(berlin);

  // A From time typed in local time goes into the URL as the UTC instant.
  await page.getByLabel("From (your local time)").fill("2026-03-01T10:00");
  await page.getByLabel("From (your local time)").press("Enter");
  await expect(page).toHaveURL(/from=2026-03-01T09%3A00%3A00.000Z/);
  // In UTC the same filter reads 09:00.
  await chooseZone(page, "UTC");
  await expect(page.getByLabel("From (UTC)")).toHaveValue("2026-03-01T09:00");

  // The choice is remembered across pages and reloads.
  await chooseZone(page, "Local");
  await page.reload();
  await expect(page.getByRole("radio", { name: "Local" })).toBeChecked();
  await expect(page.getByLabel("From (your local time)")).toHaveValue("2026-03-01T10:00");
  await page.goto(page.url().replace(/\/decisions.*$/, "/audit"));
  await expect(page.locator("main time").first()).toContainText("GMT+1");
  await snap(page, "audit-local-time");
  await chooseZone(page, "UTC");
});

test("a shared link with a wall time and no offset is no filter, not a different window per viewer", async ({
  page,
}) => {
  await signIn(page, DEMO.auditor);
  await page.goto(`${state.baseUrl}/t/demo/decisions?from=2026-03-01T10:00`);
  await expect(page.getByLabel("From (UTC)")).toHaveValue("");
  await expect(
    page.getByRole("table", { name: "Decisions" }).getByTestId("decision-row").first(),
  ).toBeVisible();
});
