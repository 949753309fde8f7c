// The pure core's verifier, bundled into dist/index.js from the server's own source
// (server/core/verify.ts, see build.mjs): one implementation for the server, the CLI, the dashboard
// and this client. Declared here so the published types do not reach into the server's sources;
// tests/sdk/types.test.ts checks these declarations against the real ones.

declare module "exoarmur-core-verify" {
  export interface CoreVerifyReport {
    ok: boolean;
    mismatches: { path: string; expected: unknown; actual: unknown; message: string }[];
    summary: {
      tenantId: unknown;
      intentId: unknown;
      decisionId: unknown;
      verdict: unknown;
      reason: unknown;
      decidingRule: unknown;
      events: number;
      keyId: unknown;
      trusted: boolean;
    };
  }
  export function verifyBundle(
    bundle: unknown,
    options?: { trustedKeys?: readonly string[] },
  ): CoreVerifyReport;
}
