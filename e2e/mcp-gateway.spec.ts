import { expect, test } from "@playwright/test";
import { startGateway } from "../tests/mcp/gateway";
import { DEMO, snap, state, userPage } from "./helpers";

// issue 15 §3: an agent's call through `exoarmur mcp-gateway` that needs approval runs only after
// two operators approve it in the dashboard. The demo tenant's policy sends A2_hard (the gateway's
// default class) to two operators.

test("an MCP tool call waits for two approvals in the dashboard, then reaches the downstream server", async ({
  browser,
}) => {
  const gateway = await startGateway(
    { url: state.baseUrl, apiKey: state.clientKey, name: "e2e-files" },
    "e2e-agent",
  );
  try {
    const progress: string[] = [];
    const calling = gateway.client.callTool(
      { name: "deploy", arguments: { service: "checkout" } },
      undefined,
      {
        onprogress: (p) => progress.push(p.message ?? ""),
      },
    );
    await expect.poll(() => progress.length).toBeGreaterThan(0);
    expect(progress[0]).toContain("0 of 2 approvals");

    for (const [n, email] of [DEMO.operator1, DEMO.operator2].entries()) {
      const page = await userPage(browser, email);
      await page.goto(`${state.baseUrl}/t/demo/approvals`);
      const card = page.getByTestId("approval-card").filter({ hasText: "mcp.e2e-files.deploy" });
      await expect(card).toContainText(`${n} of 2 approvals`);
      await expect(card).toContainText("e2e-agent");
      if (n === 0) await snap(page, "mcp-approval");
      expect(gateway.recorded()).toEqual([]);
      await card.getByRole("button", { name: /^Approve/ }).click();
      await expect(
        page.getByRole("status").filter({ hasText: n === 0 ? "Vote recorded" : "APPROVED" }),
      ).toBeVisible();
    }

    expect(await calling).toEqual({ content: [{ type: "text", text: "deployed checkout" }] });
    expect(gateway.recorded()).toEqual([{ tool: "deploy", args: { service: "checkout" } }]);
  } finally {
    await gateway.close();
  }
});
