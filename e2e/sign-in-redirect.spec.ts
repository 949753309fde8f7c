import { expect, test } from "@playwright/test";
import { HOSTILE_NEXT } from "../tests/support/hostile-next";
import { DEMO, state } from "./helpers";

// Sign-in cannot send users elsewhere (issue 11 §2): seen in Chromium, `/sign-in?next=
// %2F.%2F%2F127.0.0.1%3A3999%2Fpwned` followed by a successful sign-in landed on another host.
// Every variant, in a real browser: after signing in, the user is on this site's default page.

// The default page: the approvals queue when something waits there, else decisions.
const landing = () => new RegExp(`^${state.baseUrl}/t/demo/(decisions|approvals)`);

test("every hostile ?next= lands on this site after sign-in", async ({ browser }) => {
  test.setTimeout(180_000);
  const signInWith = async (next: string) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${state.baseUrl}/sign-in?next=${encodeURIComponent(next)}`);
    await page.getByLabel("Email").fill(DEMO.auditor);
    await page.getByLabel("Password").fill(state.passwords[DEMO.auditor]!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page, `next=${JSON.stringify(next)}`).toHaveURL(landing());
    await context.close();
  };
  // A few browser contexts at a time: each variant signs in from scratch.
  for (let i = 0; i < HOSTILE_NEXT.length; i += 4)
    await Promise.all(HOSTILE_NEXT.slice(i, i + 4).map(signInWith));
});

test("a same-site ?next= is followed", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${state.baseUrl}/sign-in?next=${encodeURIComponent("/t/demo/approvals")}`);
  await page.getByLabel("Email").fill(DEMO.auditor);
  await page.getByLabel("Password").fill(state.passwords[DEMO.auditor]!);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(`${state.baseUrl}/t/demo/approvals`);
  await context.close();
});
