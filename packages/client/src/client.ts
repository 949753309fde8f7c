import { type GuardContext, type GuardOptions, guard } from "./guard.js";
import { type ClientConfig, request } from "./http.js";
import { type AwaitOptions, awaitOutcome } from "./outcome.js";
import type {
  Decision,
  EvidenceBundle,
  Execution,
  ExecutionDetail,
  ExecutionReport,
  IntentInput,
  IntentResult,
  Outcome,
} from "./types.js";

export interface SubmitOptions {
  /**
   * Required: the same key for every retry of the same intent, so a retry is never a second action
   * (the server answers the stored decision; other content under the same key is a 409).
   */
  idempotencyKey: string;
  signal?: AbortSignal;
}

export interface ExoArmurClient {
  submitIntent(intent: IntentInput, options: SubmitOptions): Promise<IntentResult>;
  awaitOutcome(decisionId: string, options?: AwaitOptions): Promise<Outcome>;
  getDecision(decisionId: string, options?: { signal?: AbortSignal }): Promise<Decision>;
  getExecution(executionId: string, options?: { signal?: AbortSignal }): Promise<ExecutionDetail>;
  /**
   * A caller-executed intent (`execution: "caller"`), right before acting: the server re-checks the
   * kill switches, the intent's deadline and the tenant, and answers the execution RUNNING, or
   * refuses (409 BLOCKED, the execution then ends BLOCKED). It is started once: asking again while
   * RUNNING is answered the same only with the same `startKey` (the same caller retrying); any other
   * start is 409 ALREADY_STARTED, so two callers of one intent cannot both act.
   */
  startExecution(
    executionId: string,
    options?: { signal?: AbortSignal; startKey?: string },
  ): Promise<Execution>;
  /** After acting: what happened. The same report again is answered the same; another one is a 409. */
  reportOutcome(
    executionId: string,
    report: ExecutionReport,
    options?: { signal?: AbortSignal },
  ): Promise<Execution>;
  /**
   * Runs `fn` only if ExoArmur allows `intent`: submits it (caller-executed), waits for people if
   * it needs approval, asks `startExecution` right before `fn` (switches re-checked), reports how
   * `fn` ended, and returns its result. Throws `ActionDenied` when it may not run; `fn`'s own error
   * is re-thrown after it is reported as failed.
   */
  guard<T>(
    intent: IntentInput,
    fn: (context: GuardContext) => T | Promise<T>,
    options: GuardOptions<T>,
  ): Promise<T>;
  getEvidence(decisionId: string, options?: { signal?: AbortSignal }): Promise<EvidenceBundle>;
  /** The server's signing keys: `publicKey` is the current one; `keys` lists retired ones too. */
  getSigningKeys(options?: { signal?: AbortSignal }): Promise<{
    alg: "Ed25519";
    keyId: string;
    publicKey: string;
    keys: { keyId: string; publicKey: string; active: boolean; createdAt: string }[];
  }>;
}

export function createClient(config: ClientConfig): ExoArmurClient {
  if (!config.baseUrl) throw new TypeError("createClient: baseUrl is required");
  if (!config.apiKey) throw new TypeError("createClient: apiKey is required");
  const get = <T>(path: string, signal?: AbortSignal) =>
    request<T>(config, "GET", path, signal ? { signal } : {});
  const id = encodeURIComponent;
  const client: ExoArmurClient = {
    submitIntent(intent, options) {
      if (!options?.idempotencyKey) throw new TypeError("submitIntent: options.idempotencyKey is required");
      return request<IntentResult>(config, "POST", "/api/v1/intents", {
        body: intent,
        idempotencyKey: options.idempotencyKey,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    },
    awaitOutcome: (decisionId, options) => awaitOutcome(config, decisionId, options),
    getDecision: (decisionId, options) => get(`/api/v1/decisions/${id(decisionId)}`, options?.signal),
    getExecution: (executionId, options) => get(`/api/v1/executions/${id(executionId)}`, options?.signal),
    startExecution: (executionId, options) =>
      request(config, "POST", `/api/v1/executions/${id(executionId)}/start`, {
        body: options?.startKey ? { startKey: options.startKey } : {},
        repeatable: true,
        ...(options?.signal ? { signal: options.signal } : {}),
      }),
    reportOutcome: (executionId, report, options) =>
      request(config, "POST", `/api/v1/executions/${id(executionId)}/report`, {
        body: report,
        repeatable: true,
        ...(options?.signal ? { signal: options.signal } : {}),
      }),
    getEvidence: (decisionId, options) =>
      get(`/api/v1/decisions/${id(decisionId)}/evidence`, options?.signal),
    getSigningKeys: (options) => get("/api/v1/signing-key", options?.signal),
    guard: (intent, fn, options) => guard(client, intent, fn, options),
  };
  return client;
}
