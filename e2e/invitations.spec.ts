import { expect, type Page, test } from "@playwright/test";
import { DEMO, signIn, snap, state, userPage } from "./helpers";

/**
 * Issue 11 §6 in a real browser: a tenant admin invites by email and gets a link (shown once, no
 * email is sent); the invited person accepts in their own browser and appears as a member; someone
 * else signed in is refused; a new person sets a name and password through the link; revoked and
 * used links say so.
 */

async function invite(admin: Page, email: string, role: string): Promise<string> {
  await admin.goto(`${state.baseUrl}/t/demo/settings`);
  const form = admin.getByRole("form", { name: "Invite a member" });
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Role").selectOption(role);
  await form.getByRole("button", { name: "Invite" }).click();
  const link = admin.getByLabel("Invitation link");
  await expect(link).toBeVisible();
  const url = await link.inputValue();
  expect(url).toMatch(new RegExp(`^${state.baseUrl}/invite/[A-Za-z0-9_-]{43}$`));
  await expect(admin.getByRole("table", { name: "Invitations to demo" })).toContainText(email);
  return url;
}

const members = (admin: Page) => admin.getByRole("table", { name: "Members of demo" });

test("an admin invites an existing person; someone else is refused; the invitee accepts and is a member", async ({
  browser,
  page,
}) => {
  await signIn(page, DEMO.admin);
  const invitee = state.otherOperator.email;
  const url = await invite(page, invitee, "auditor");
  await snap(page, "invitations-admin-link");
  await expect(members(page)).not.toContainText(invitee);

  // Signed in as someone else: a clear refusal, nothing happens.
  const wrong = await userPage(browser, DEMO.operator1);
  await wrong.goto(url);
  await expect(wrong.getByText("This invitation is for someone else")).toBeVisible();
  await expect(wrong.getByRole("button", { name: "Accept invitation" })).toHaveCount(0);
  await wrong.context().close();

  // The invited person, in their own browser.
  const olivia = await userPage(browser, invitee, state.otherOperator.password);
  await olivia.goto(url);
  await expect(olivia.getByText(/is invited to join/)).toContainText("auditor");
  await olivia.getByRole("button", { name: "Accept invitation" }).click();
  await expect(olivia.getByText("You are now a member of")).toBeVisible();
  await snap(olivia, "invitations-accepted");
  await olivia.getByRole("link", { name: /^Open / }).click();
  await expect(olivia).toHaveURL(/\/t\/demo/);

  // The link is used up.
  await olivia.goto(url);
  await expect(olivia.getByText("This invitation has already been used")).toBeVisible();
  await olivia.context().close();

  await page.reload();
  await expect(members(page)).toContainText(invitee);
  await expect(page.getByLabel(`Role of ${invitee}`)).toHaveValue("auditor");
});

test("a new person sets a name and password through the link and lands in the tenant; a revoked link says so", async ({
  browser,
  page,
}) => {
  await signIn(page, DEMO.admin);
  const email = `newbie-${Date.now()}@example.com`;
  const url = await invite(page, email, "operator");

  const context = await browser.newContext({ baseURL: state.baseUrl });
  const newcomer = await context.newPage();
  await newcomer.goto(url);
  const form = newcomer.getByRole("form", { name: "Create your account" });
  await expect(form.getByLabel("Email")).toHaveValue(email);
  await form.getByLabel("Your name").fill("Newbie Person");
  await form.getByLabel("Password").fill("short");
  await form.getByRole("button", { name: "Create account and join" }).click();
  await expect(form.getByText("must be at least 12 characters")).toBeVisible();
  await form.getByLabel("Password").fill("a newbie's long password");
  await form.getByRole("button", { name: "Create account and join" }).click();
  await expect(newcomer).toHaveURL(/\/t\/demo\//);
  await snap(newcomer, "invitations-new-person");
  await context.close();

  await page.reload();
  await expect(members(page)).toContainText(email);

  // Revoke another invitation: its link stops working.
  const revokedEmail = `revoked-${Date.now()}@example.com`;
  const revokedUrl = await invite(page, revokedEmail, "auditor");
  await page.getByRole("button", { name: `Revoke invitation for ${revokedEmail}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("table", { name: "Invitations to demo" })).toContainText("revoked");
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(revokedUrl);
  await expect(stranger.getByText("This invitation was revoked")).toBeVisible();
  await stranger.goto(`${state.baseUrl}/invite/${"A".repeat(43)}`);
  await expect(stranger.getByText("This invitation link is not valid")).toBeVisible();
  await stranger.context().close();
});
