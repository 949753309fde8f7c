import { execFileSync } from "node:child_process";
import { expect, type Page, test } from "@playwright/test";
import { DEMO, signIn, snap, state, submitIntent, userPage } from "./helpers";

/**
 * Changing a policy (issue 14 §3): "Save and activate" opens a review with the diff against the
 * active version, the warnings (quorum 2 → 1), a simulation over recent decisions and a required
 * change note; with four eyes on, the version waits for a second admin, who activates it. Also the
 * last-admin conflict, said in words. Its own tenant: the demo tenant's policy stays as it is.
 */
const T = `pc-${Date.now().toString(36)}`;
const RITA = { email: `rita@${T}.example`, password: "rita-reviewer-password-1" };
const POLICY = {
  rules: [
    { id: "allow-soft", match: { actionClasses: ["A1_soft"] }, effect: "allow" },
    {
      id: "approve-hard",
      description: "Hard actions need two people",
      match: { actionClasses: ["A2_hard"] },
      effect: "require_approval",
      approval: { quorum: 2, roles: ["operator", "admin"] },
    },
  ],
};
let clientKey = "";

test.beforeAll(async () => {
  const admin = { authorization: `Bearer ${state.adminToken}`, "content-type": "application/json" };
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${state.baseUrl}${path}`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify(body),
    });
    expect(response.status, `${path}: ${await response.clone().text()}`).toBeLessThan(300);
    return (await response.json()) as Record<string, unknown>;
  };
  await post("/api/v1/tenants", { id: T, name: "Policy change" });
  await post(`/api/v1/tenants/${T}/policies`, POLICY);
  clientKey = (await post(`/api/v1/tenants/${T}/api-keys`, { role: "client", name: "pc client" }))
    .key as string;
  // A tenant admin besides the demo admin (who is platform admin): the second pair of eyes.
  execFileSync(
    "node",
    [
      "bin/exoarmur.mjs",
      "user",
      "create",
      "--email",
      RITA.email,
      "--name",
      "Rita Reviewer",
      "--password",
      RITA.password,
      "--member",
      `${T}:admin`,
    ],
    { env: { ...process.env, EXOARMUR_DATA_DIR: state.dataDir, DATABASE_URL: "" }, stdio: "inherit" },
  );
  // Recent decisions for the simulation: soft (allowed) and hard (awaiting two approvals).
  for (const actionClass of ["A1_soft", "A2_hard", "A2_hard", "A1_soft"])
    await submitIntent({ actionClass, target: `${T}-${actionClass}` }, clientKey);
});

/** Opens the tenant's policies and puts `document` in the editor. */
async function editPolicy(page: Page, document: unknown) {
  await page.goto(`/t/${T}/policies`);
  const editor = page.getByLabel("Policy document (JSON)");
  await editor.fill(JSON.stringify(document, null, 2));
  await expect(page.getByText("edited")).toBeVisible();
}

const quorumOne = {
  rules: POLICY.rules.map((r) => (r.approval ? { ...r, approval: { ...r.approval, quorum: 1 } } : r)),
};

test("'Save and activate' is a review: diff, a warning for quorum 2 → 1, the simulation, and a required note", async ({
  browser,
}) => {
  const page = await userPage(browser, DEMO.admin);
  await editPolicy(page, quorumOne);
  await page.getByRole("button", { name: "Save and activate…" }).click();

  const dialog = page.getByRole("dialog", { name: "Activate version 2?" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("region", { name: "Warnings" })).toContainText(
    'Rule "approve-hard" needs 1 approval instead of 2.',
  );
  await expect(dialog.getByRole("region", { name: "Changes from the active version" })).toContainText(
    "approve-hard",
  );
  // The two hard-action decisions would need one approval instead of two: a change the simulation shows.
  await expect(dialog.getByTestId("review-simulation")).toHaveText("2 of 4 recent decisions would change");
  const activate = dialog.getByRole("button", { name: "Activate version 2" });
  await expect(activate).toBeDisabled();
  await dialog.getByLabel(/Change note/).fill("   ");
  await expect(activate).toBeDisabled();
  await dialog.getByLabel(/Change note/).fill("Night shift: one approver is enough (ticket 7)");
  await snap(page, "policy-activation-review");
  await activate.click();

  await expect(
    page.getByRole("status").filter({ hasText: "Saved as version 2 and activated." }),
  ).toBeVisible();
  const versions = page.getByRole("table", { name: "Policy versions, newest first" });
  await expect(versions.getByTestId("version-note").first()).toHaveText(
    "“Night shift: one approver is enough (ticket 7)”",
  );
  // The chain event carries the note and the warning: the audit log shows both.
  await page.goto(`/t/${T}/audit?category=policy`);
  const entry = page.getByRole("listitem").filter({ hasText: "activated policy version 2" });
  await expect(entry).toContainText("“Night shift: one approver is enough (ticket 7)”");
  await entry.getByText(/^Recorded event seq \d+$/).click();
  await expect(entry).toContainText("needs 1 approval instead of 2");

  // A deny-all draft is called out too.
  await editPolicy(page, { rules: [{ id: "stop", effect: "deny" }, ...POLICY.rules] });
  await page.getByRole("button", { name: "Save and activate…" }).click();
  const denyAll = page.getByRole("dialog", { name: "Activate version 3?" });
  await expect(denyAll.getByRole("region", { name: "Warnings" })).toContainText(
    'Rule "stop" denies every intent',
  );
  // Denying everything changes every recent decision that was not a denial already.
  await expect(denyAll.getByTestId("review-simulation")).toHaveText("4 of 4 recent decisions would change");
  await denyAll.getByRole("button", { name: "Cancel" }).click();
  await expect(denyAll).toBeHidden();
  await page.context().close();
});

test("with four eyes on, a saved version waits for another admin, who activates it; its author cannot", async ({
  browser,
}) => {
  const admin = await userPage(browser, DEMO.admin);
  await admin.goto(`/t/${T}/settings`);
  const fourEyes = admin.getByLabel("Require a second admin to activate each policy change (four eyes)");
  await fourEyes.click();
  await expect(fourEyes).toBeChecked();
  await expect(admin.getByRole("status").filter({ hasText: "Four eyes are on." })).toBeVisible();

  await editPolicy(admin, POLICY);
  await admin.getByRole("button", { name: "Save for review…" }).click();
  const dialog = admin.getByRole("dialog", { name: /^Propose version \d+ for review\?$/ });
  await dialog.getByLabel(/Change note/).fill("Back to two approvers");
  await dialog.getByRole("button", { name: "Propose for review" }).click();
  await expect(admin.getByRole("status").filter({ hasText: /waits for another admin/ })).toBeVisible();
  const proposed = Number(
    /version (\d+)/.exec(
      (await admin.getByRole("status").filter({ hasText: /waits/ }).textContent()) ?? "",
    )?.[1],
  );
  const row = admin.locator(`#version-${proposed}`);
  await expect(row).toContainText("awaiting review");
  await expect(row.getByRole("button", { name: `Activate version ${proposed}` })).toBeDisabled();
  await expect(row).toContainText("You wrote it: another admin activates it.");
  await snap(admin, "policy-four-eyes-author");

  const rita = await userPage(browser, RITA.email, RITA.password);
  await rita.goto(`/t/${T}/policies`);
  const ritaRow = rita.locator(`#version-${proposed}`);
  await expect(ritaRow).toContainText("“Back to two approvers”");
  await ritaRow.getByRole("button", { name: `Activate version ${proposed}` }).click();
  const confirm = rita.getByRole("dialog", { name: `Activate version ${proposed}?` });
  await expect(confirm).toContainText("Back to two approvers");
  await confirm.getByRole("button", { name: "Activate" }).click();
  await expect(
    rita.getByRole("status").filter({ hasText: `Version ${proposed} is now active.` }),
  ).toBeVisible();
  await expect(ritaRow).toContainText("active");
  await expect(ritaRow).toContainText(`Approved by ${RITA.email}`);
  await snap(rita, "policy-four-eyes-approved");

  // Rita (a tenant admin) cannot turn four eyes off; the platform admin can.
  await rita.goto(`/t/${T}/settings`);
  await expect(
    rita.getByLabel("Require a second admin to activate each policy change (four eyes)"),
  ).toBeDisabled();
  await expect(rita.getByText(/Only the platform admin can turn it off/)).toBeVisible();
  await admin.goto(`/t/${T}/settings`);
  await admin.getByLabel("Require a second admin to activate each policy change (four eyes)").click();
  await expect(admin.getByRole("status").filter({ hasText: "Four eyes are off." })).toBeVisible();
  await rita.context().close();
  await admin.context().close();
});

test("demoting a tenant's last admin says what happened, and nothing changes", async ({ page }) => {
  await signIn(page, DEMO.admin);
  await page.goto(`${state.baseUrl}/t/${T}/settings`);
  await page.getByLabel(`Role of ${RITA.email}`).selectOption("operator");
  await page
    .getByRole("dialog")
    .getByRole("button", { name: /Change role|Confirm|Make/ })
    .click();
  await expect(
    page.getByText("this is the tenant's last admin: make another member admin first"),
  ).toBeVisible();
  await page.reload();
  await expect(page.getByLabel(`Role of ${RITA.email}`)).toHaveValue("admin");
});
