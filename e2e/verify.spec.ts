import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import type { EvidenceBundle } from "../server/core";
import { forgeAllow } from "../tests/support/forge";
import { DEMO, signIn, snap, state, submitIntent } from "./helpers";

// The verify page trusts the server's published signing keys (current and retired) and keys the
// user pastes — never the key a bundle carries — and tells three outcomes apart: verified, a
// mismatch, and "integrity OK, signer not trusted" (the CLI's exit 3).

/** A decision's evidence bundle, as an automation client exports it through the REST API. */
async function evidenceOf(decisionId: string): Promise<EvidenceBundle> {
  const response = await fetch(`${state.baseUrl}/api/v1/decisions/${decisionId}/evidence`, {
    headers: { authorization: `Bearer ${state.clientKey}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as EvidenceBundle;
}

/** The server's published keys, as a reviewer saves them for `exoarmur verify --trusted-keys`. */
async function publishedKeys(): Promise<string> {
  const response = await fetch(`${state.baseUrl}/api/v1/signing-key`, {
    headers: { authorization: `Bearer ${state.clientKey}` },
  });
  expect(response.status).toBe(200);
  return response.text();
}

/** A real drop event carrying a File, as dragging from the desktop produces. */
async function drop(page: Page, name: string, bundle: unknown) {
  const dataTransfer = await page.evaluateHandle(
    ({ name, text }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: "application/json" }));
      return dt;
    },
    { name, text: JSON.stringify(bundle) },
  );
  await page.getByTestId("verify-dropzone").dispatchEvent("drop", { dataTransfer });
}

/**
 * The `exoarmur` bin, asynchronously: a synchronous child would block this process's event loop,
 * and with it fetch's keep-alive bookkeeping (a socket the server closed meanwhile gets reused).
 */
function exoarmur(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "node",
      ["bin/exoarmur.mjs", ...args],
      { env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const save = (name: string, content: string) => {
  const file = join(state.dataDir, "..", name);
  writeFileSync(file, content);
  return file;
};

test("a real bundle verifies as signed by this server's key", async ({ page }) => {
  const decided = await submitIntent({ target: "verify-trusted" });
  const bundle = await evidenceOf(decided.decisionId);
  await signIn(page, DEMO.auditor);
  await page.goto(`${state.baseUrl}/verify`);
  await expect(page.getByTestId("trusted-server-keys")).toContainText("current");
  await drop(page, "real.json", bundle);
  const result = page.getByTestId("verify-result");
  await expect(result).toHaveAttribute("data-outcome", "verified");
  await expect(result).toContainText("Verified");
  await expect(result).toContainText("this server's signing key");
  await expect(result).toContainText(bundle.signature.keyId);
  await snap(page, "verify-trusted");
});

test("a DENY bundle forged into an ALLOW and re-signed shows 'signer not trusted', as the CLI's exit 3", async ({
  page,
}) => {
  const denied = await submitIntent({ actionClass: "A3_irreversible", target: "verify-forged" });
  expect(denied.verdict).toBe("DENY");
  const forged = forgeAllow(await evidenceOf(denied.decisionId));
  await signIn(page, DEMO.auditor);
  await page.goto(`${state.baseUrl}/verify`);
  await expect(page.getByTestId("trusted-server-keys")).toContainText("current");
  await drop(page, "forged.json", forged);
  const result = page.getByTestId("verify-result");
  await expect(result).toHaveAttribute("data-outcome", "untrusted");
  await expect(result).toContainText("Integrity OK, signer not trusted");
  await expect(result).toContainText(forged.signature.keyId);
  await expect(result).toContainText(forged.signature.publicKey);
  await expect(result).not.toContainText("Verified");
  await snap(page, "verify-forged");

  // The CLI, trusting the same published keys, says the same: exit 3.
  const file = save(`forged-${denied.decisionId}.json`, JSON.stringify(forged));
  const keys = save("published-keys.json", await publishedKeys());
  const cli = await exoarmur(["verify", file, "--trusted-keys", keys], { EXOARMUR_TRUSTED_KEYS: "" });
  expect(cli.code).toBe(3);
  expect(cli.stderr).toContain("integrity OK, signer not trusted: pin its key with --public-key");

  // Trusting a key is the user's call: pasting the forger's key makes it "verified", by a pasted key.
  await page.getByLabel("Also trust these public keys (optional)").fill(forged.signature.publicKey);
  await expect(result).toHaveAttribute("data-outcome", "verified");
  await expect(result).toContainText("a key you pasted");
  // A malformed pasted key is unreadable input (the CLI's exit 2), not a silent "untrusted".
  await page.getByLabel("Also trust these public keys (optional)").fill("not-a-key");
  await expect(result).toHaveAttribute("data-outcome", "unreadable");
});

test("after a key rotation, bundles signed by the retired key still verify", async ({ page }) => {
  const decided = await submitIntent({ target: "verify-rotation" });
  const before = await evidenceOf(decided.decisionId);
  // The operator rotates with the CLI, against the running server's database.
  const rotated = await exoarmur(["signing-key", "rotate"], {
    EXOARMUR_DATA_DIR: state.dataDir,
    DATABASE_URL: "",
    EXOARMUR_SIGNING_KEY: "",
  });
  expect(rotated.code, rotated.stderr).toBe(0);
  const after = await evidenceOf(decided.decisionId);
  expect(after.signature.keyId).not.toBe(before.signature.keyId);

  await signIn(page, DEMO.auditor);
  await page.goto(`${state.baseUrl}/verify`);
  const keys = page.getByTestId("trusted-server-keys");
  await expect(keys).toContainText(after.signature.keyId.slice(0, 16));
  await expect(keys).toContainText(before.signature.keyId.slice(0, 16));
  await expect(keys).toContainText("retired");
  const result = page.getByTestId("verify-result");
  await drop(page, "before-rotation.json", before);
  await expect(result).toHaveAttribute("data-outcome", "verified");
  await expect(result).toContainText("this server's key, retired");
  await drop(page, "after-rotation.json", after);
  await expect(result).toContainText("after-rotation.json");
  await expect(result).toHaveAttribute("data-outcome", "verified");
  await expect(result).toContainText("this server's signing key");
  await snap(page, "verify-rotated");
});

test("'Verify this bundle' checks a decision's evidence inside its tenant; a tampered one leads with the plain reading", async ({
  page,
}) => {
  const decided = await submitIntent({ target: "verify-from-decision" });
  await signIn(page, DEMO.auditor);
  await page.goto(`${state.baseUrl}/verify`);
  await expect(page.getByText("docs/examples")).toHaveCount(0);
  await page.goto(`${state.baseUrl}/t/demo/decisions/${decided.decisionId}`);
  await page.getByRole("link", { name: "Verify this bundle" }).click();
  await expect(page).toHaveURL(new RegExp(`/t/demo/verify\\?decision=${decided.decisionId}$`));
  // The tenant's navigation stays.
  await expect(page.getByRole("navigation", { name: "Tenant pages" })).toBeVisible();
  const result = page.getByTestId("verify-result");
  await expect(result).toHaveAttribute("data-outcome", "verified");
  await expect(result).toContainText(`evidence of ${decided.decisionId}`);

  const bundle = await evidenceOf(decided.decisionId);
  (bundle.input as { intent: { target: string } }).intent.target = "somewhere-else";
  await drop(page, "tampered.json", bundle);
  await expect(result).toHaveAttribute("data-outcome", "mismatch");
  await expect(page.getByTestId("verify-plain-reading")).toHaveText("input.intent changed after signing");
});

test("policy versions name who wrote them, not their user id", async ({ page }) => {
  await signIn(page, DEMO.admin);
  // A version saved by this person's session (tenant "other": demo's active version stays v1).
  const saved = await page.request.post(`${state.baseUrl}/api/trpc/policies.save`, {
    headers: { origin: state.baseUrl, "content-type": "application/json" },
    data: {
      tenantId: "other",
      note: "soft actions only",
      document: { rules: [{ id: "allow-all-soft", match: { actionClasses: ["A1_soft"] }, effect: "allow" }] },
    },
  });
  expect(saved.status()).toBe(200);
  await page.goto(`${state.baseUrl}/t/other/policies`);
  const versions = page.getByRole("table", { name: "Policy versions, newest first" });
  await expect(versions).toContainText(DEMO.admin);
  await expect(versions).not.toContainText("user:usr_");
});
