import { expect, test } from "@playwright/test";
import { DEMO, signIn, state, submitIntent } from "./helpers";

// Issue 14 §3: API keys show their last use and an optional expiry; a revoked key's secret leaves the screen.

test("a key with an expiry shows it, its last use appears once used, and revoking it takes its secret off the screen", async ({
  page,
}) => {
  const name = `expiring ${Date.now().toString(36)}`;
  await signIn(page, DEMO.admin);
  await page.goto(`${state.baseUrl}/t/other/settings`);
  const keyForm = page.getByRole("form", { name: "Create API key" });
  await keyForm.getByLabel("Key name").fill(name);
  await keyForm.getByLabel("Expires").selectOption("30");
  await keyForm.getByRole("button", { name: "Create key" }).click();
  const shown = page.getByTestId("new-api-key");
  const key = await shown.getByLabel("API key").inputValue();
  expect(key).toMatch(/^exo_/);

  const row = page.getByRole("row").filter({ hasText: name });
  const in30Days = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString().slice(0, 10);
  await expect(row.getByTestId("key-expires")).toContainText(in30Days);
  await expect(row.getByTestId("key-last-used")).toHaveText("never");

  expect((await submitIntent({ target: "key-used" }, key)).verdict).toBe("ALLOW");

  // The secret is still on screen (not dismissed); revoking the key takes it off.
  await expect(shown).toBeVisible();
  await page.getByRole("button", { name: `Revoke API key ${name}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke", exact: true }).click();
  await expect(page.getByRole("dialog")).toBeHidden();
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);

  // Its last use is shown (written at most once a minute per server: this was its first).
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("row").filter({ hasText: name }).getByTestId("key-last-used")).toContainText(
      new Date().toISOString().slice(0, 10),
      { timeout: 5_000 },
    );
  }).toPass({ timeout: 45_000 });
});
