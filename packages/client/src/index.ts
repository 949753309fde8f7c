// @exoarmur/client: submit action intents to an ExoArmur gateway, wait for their outcome, read
// decisions and executions, guard an action the caller performs itself, and verify evidence
// bundles offline. No dependency beyond fetch.

export { createClient, type ExoArmurClient, type SubmitOptions } from "./client";
export { ActionDenied, ExoArmurError, type FieldError } from "./errors";
export type { GuardContext, GuardOptions } from "./guard";
export type { ClientConfig } from "./http";
export { type AwaitOptions, finalOutcome } from "./outcome";
export type * from "./types";
export { type VerifyEvidenceOptions, type VerifyOutcome, type VerifyReport, verifyEvidence } from "./verify";
