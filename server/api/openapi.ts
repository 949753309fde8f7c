// The OpenAPI 3.1 document of /api/v1. Every body with a zod schema is generated from it: requests
// from the schemas the handlers validate with (io "input"), responses from the schemas their types
// derive from (io "output"), so the documentation cannot drift from what the server accepts and
// answers. Responses without a schema are described in words only.

import { z } from "zod";
import { ENGINE_VERSION, evidenceBundleSchema, intentSubmissionSchema, policySchema } from "../core";
import { voteBodySchema } from "../services/approvals/vote";
import { intentResultSchema } from "../services/decisions/intent-result";
import { executionReportSchema } from "../services/executions/caller";
import { executorConfigSchema } from "../services/executors/config";
import { createApiKeySchema } from "../services/keys/api-keys";
import { signingKeysSchema } from "../services/keys/signing-key";
import { setKillSwitchSchema } from "../services/kill-switches/kill-switches";
import { notificationConfigSchema } from "../services/notifications/config";
import { createTenantSchema, updateTenantSchema } from "../services/tenants/tenants";
import { createPersonSchema, membershipSchema } from "../services/users/users";
import { errorBodySchema } from "./error-body";

const schema = (s: z.ZodType, io: "input" | "output" = "input") =>
  z.toJSONSchema(s, { io, unrepresentable: "any", target: "draft-2020-12" });

const err = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});
const ok = (description: string, s: unknown = { type: "object" }) => ({
  description,
  content: { "application/json": { schema: s } },
});
const body = (s: unknown) => ({ required: true, content: { "application/json": { schema: s } } });
const idParam = (name: string) => ({
  name: "id",
  in: "path",
  required: true,
  schema: { type: "string" },
  description: name,
});
const common = {
  "400": err("invalid input: `fields` names each problem"),
  "401": err("missing or unknown API key"),
  "403": err("the key's role or tenant does not allow this"),
  "429": err(
    "RATE_LIMITED (reason AUTH_FAILURES): too many failed bearer tokens from this client; every bearer request from it waits for Retry-After",
  ),
  "503": err("storage unavailable; nothing was written"),
};

/** Every operation with a body may be refused for its size (server/api/http.ts readJson). */
function withBodyLimits<T extends Record<string, Record<string, { responses?: Record<string, unknown> }>>>(
  paths: T,
): T {
  for (const operations of Object.values(paths))
    for (const [method, operation] of Object.entries(operations))
      if (["post", "put", "patch"].includes(method) && operation.responses && !operation.responses["413"])
        operation.responses["413"] = err("body larger than 256 KiB");
  return paths;
}

export function openApiDocument() {
  return {
    openapi: "3.1.0",
    info: {
      title: "ExoArmur REST API",
      version: ENGINE_VERSION,
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
      description:
        "Submit action intents, read decisions and their signed evidence, vote on approvals, flip kill switches. Authenticate with `Authorization: Bearer <api key>`. Failed bearer tokens are counted per client: past EXOARMUR_BEARER_FAILURES_PER_MINUTE every bearer request from that client gets 429 (reason AUTH_FAILURES) with Retry-After. Bodies are bounded before they are read: 256 KiB here, 1 MiB on /api/trpc and /api/auth (413).",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "A tenant API key (exo_...) or the platform admin token",
        },
        metricsToken: {
          type: "http",
          scheme: "bearer",
          description: "EXOARMUR_METRICS_TOKEN, when the server sets it (only /api/metrics)",
        },
      },
      schemas: {
        Error: schema(errorBodySchema, "output"),
        IntentSubmission: schema(intentSubmissionSchema),
        IntentResult: schema(intentResultSchema, "output"),
        EvidenceBundle: schema(evidenceBundleSchema, "output"),
        Policy: schema(policySchema),
        CreateTenant: schema(createTenantSchema),
        UpdateTenant: schema(updateTenantSchema),
        CreateApiKey: schema(createApiKeySchema),
        CreatePerson: schema(createPersonSchema),
        Membership: schema(membershipSchema),
        SetKillSwitch: schema(setKillSwitchSchema),
        Vote: schema(voteBodySchema),
        ExecutorConfig: schema(executorConfigSchema),
        NotificationConfig: schema(notificationConfigSchema),
        SigningKeys: schema(signingKeysSchema, "output"),
        ExecutionReport: schema(executionReportSchema),
      },
    },
    paths: withBodyLimits({
      "/api/v1/intents": {
        post: {
          operationId: "submitIntent",
          summary: "Submit an action intent and get the decision",
          parameters: [
            {
              name: "Idempotency-Key",
              in: "header",
              required: false,
              schema: { type: "string", maxLength: 256 },
              description: "or the idempotencyKey field; one of them is required",
            },
          ],
          requestBody: body({ $ref: "#/components/schemas/IntentSubmission" }),
          responses: {
            "201": ok("decided and stored", { $ref: "#/components/schemas/IntentResult" }),
            "200": ok("same key and same content: the stored result, nothing re-evaluated", {
              $ref: "#/components/schemas/IntentResult",
            }),
            "409": err("same key, different content"),
            "413": err("body larger than 256 KiB"),
            ...common,
            "429": err(
              "reason RATE_LIMITED (the tenant's bucket), GLOBAL_RATE_LIMITED (the platform-wide bucket, EXOARMUR_GLOBAL_RATE) or QUEUE_FULL (admission), or AUTH_FAILURES (too many failed bearer tokens from this client); see Retry-After",
            ),
            "503": err(
              "storage unavailable, or reason COMMIT_QUEUE_FULL (more submissions wait for the database than it keeps up with); nothing was written; see Retry-After",
            ),
          },
        },
      },
      "/api/v1/decisions/{id}": {
        get: {
          operationId: "getDecision",
          summary: "A decision with its approval and execution status",
          parameters: [idParam("decision id")],
          responses: { "200": ok("the decision"), "404": err("no such decision in your tenant"), ...common },
        },
      },
      "/api/v1/decisions/{id}/evidence": {
        get: {
          operationId: "getEvidence",
          summary: "The signed evidence bundle (verify offline with `exoarmur verify`)",
          parameters: [idParam("decision id")],
          responses: {
            "200": ok("exoarmur.evidence.v1 bundle", { $ref: "#/components/schemas/EvidenceBundle" }),
            "404": err("no such decision in your tenant"),
            ...common,
          },
        },
      },
      "/api/v1/approvals/{id}/votes": {
        post: {
          operationId: "voteOnApproval",
          summary: "Approve or deny (a deny needs a reason)",
          parameters: [idParam("approval id")],
          requestBody: body({ $ref: "#/components/schemas/Vote" }),
          responses: {
            "200": ok("{status, approvals, quorum}"),
            "404": err("no such approval in your tenant"),
            "409": err("already voted, decided or expired"),
            ...common,
          },
        },
      },
      "/api/v1/executions/{id}": {
        get: {
          operationId: "getExecution",
          summary: "An execution and its events",
          parameters: [idParam("execution id")],
          responses: {
            "200": ok("the execution"),
            "404": err("no such execution in your tenant"),
            ...common,
          },
        },
      },
      "/api/v1/executions/{id}/start": {
        post: {
          operationId: "startExecution",
          summary: "A caller-executed intent's last check, right before the caller acts",
          description:
            'For intents submitted with `"execution": "caller"`, by the key that submitted them. Kill switches, the intent\'s deadline and the tenant\'s status are checked now: 200 means act (the execution is RUNNING; asking again while RUNNING is 200 again); 409 BLOCKED (reason KILL_SWITCH_GLOBAL, KILL_SWITCH_TENANT, KILL_SWITCH_ACTION, INTENT_EXPIRED or TENANT_SUSPENDED) means do not, and the execution has ended BLOCKED. No body.',
          parameters: [idParam("execution id")],
          responses: {
            "200": ok("the execution, RUNNING"),
            "404": err("no such execution in your tenant"),
            "409": err(
              "code BLOCKED (reason: why); or code CONFLICT with reason NOT_CALLER_EXECUTED (dispatched to the executor) or EXECUTION_FINISHED",
            ),
            ...common,
            "403": err("not the API key that submitted the intent"),
          },
        },
      },
      "/api/v1/executions/{id}/report": {
        post: {
          operationId: "reportExecution",
          summary: "What happened, as the caller of a caller-executed intent reports it (once)",
          description:
            "From RUNNING to SUCCEEDED or FAILED; recorded as the chain event `execution.reported`, which the evidence bundle carries. The same report again answers 200 and changes nothing; a different one is 409 REPORT_CONFLICT. Without a report by the intent's deadline (requestedAt + ttlSeconds) the execution ends UNREPORTED.",
          parameters: [idParam("execution id")],
          requestBody: body({ $ref: "#/components/schemas/ExecutionReport" }),
          responses: {
            "200": ok("the execution, SUCCEEDED or FAILED, with its report"),
            "404": err("no such execution in your tenant"),
            "409": err("reason REPORT_CONFLICT, NOT_STARTED, EXECUTION_FINISHED or NOT_CALLER_EXECUTED"),
            ...common,
            "403": err("not the API key that submitted the intent"),
          },
        },
      },
      "/api/v1/kill-switches": {
        get: {
          operationId: "listKillSwitches",
          summary: "Kill switches visible to the caller",
          responses: { "200": ok("{killSwitches: [...]}"), ...common },
        },
        put: {
          operationId: "setKillSwitch",
          summary: "Engage or release a kill switch",
          requestBody: body({ $ref: "#/components/schemas/SetKillSwitch" }),
          responses: { "200": ok("the switch"), "404": err("unknown tenant"), ...common },
        },
      },
      "/api/v1/tenants": {
        post: {
          operationId: "createTenant",
          summary: "Create a tenant (platform admin)",
          requestBody: body({ $ref: "#/components/schemas/CreateTenant" }),
          responses: { "201": ok("the tenant"), "409": err("exists"), ...common },
        },
      },
      "/api/v1/tenants/{id}": {
        get: {
          operationId: "getTenant",
          summary: "A tenant",
          parameters: [idParam("tenant id")],
          responses: { "200": ok("the tenant"), "404": err("not found"), ...common },
        },
        patch: {
          operationId: "updateTenant",
          summary: "Rename (tenant admin); change limits, suspend or activate (platform admin only)",
          parameters: [idParam("tenant id")],
          requestBody: body({ $ref: "#/components/schemas/UpdateTenant" }),
          responses: {
            "200": ok("the tenant"),
            "404": err("not found"),
            ...common,
            "403": err(
              "limits or status by anyone but a platform admin (nothing changed), or a role below admin",
            ),
          },
        },
      },
      "/api/v1/tenants/{id}/api-keys": {
        get: {
          operationId: "listApiKeys",
          summary:
            "The tenant's API keys (tenant admin): names, roles, the person each acts for; never a secret",
          parameters: [idParam("tenant id")],
          responses: {
            "200": ok("{tenantId, keys: [{id, name, role, forUser, ...}]}"),
            "404": err("not found"),
            ...common,
          },
        },
        post: {
          operationId: "createApiKey",
          summary: "Create an API key (shown only in this response)",
          parameters: [idParam("tenant id")],
          requestBody: body({ $ref: "#/components/schemas/CreateApiKey" }),
          responses: {
            "201": ok("{id, role, name, forUser?, key}"),
            "404": err("not found"),
            ...common,
            "403": err(
              "the role does not allow this, or a key for a person not made by that person's session or a platform admin (FOR_USER_NOT_ALLOWED)",
            ),
          },
        },
      },
      "/api/v1/users": {
        post: {
          operationId: "createPerson",
          summary: "Create a person (platform admin): whom keys act for and whose votes count once",
          requestBody: body({ $ref: "#/components/schemas/CreatePerson" }),
          responses: {
            "201": ok("{id, email, name}"),
            "409": err("a user with this email exists"),
            ...common,
          },
        },
      },
      "/api/v1/tenants/{id}/members": {
        put: {
          operationId: "setMembership",
          summary:
            "Platform admin: add an existing person to the tenant, or change their role. Tenant admin: change the role of an existing member only (others join by invitation in the dashboard)",
          parameters: [idParam("tenant id")],
          requestBody: body({ $ref: "#/components/schemas/Membership" }),
          responses: {
            "200": ok("{userId, email, role}"),
            "404": err("not found"),
            ...common,
            "400": err(
              'field errors; for a tenant admin, any email that is not a member gets the same "is not a member of this tenant: invite them instead", whether or not it has an account',
            ),
          },
        },
      },
      "/api/v1/tenants/{id}/api-keys/{keyId}": {
        delete: {
          operationId: "revokeApiKey",
          summary: "Revoke an API key (effective on its next request)",
          parameters: [
            idParam("tenant id"),
            { name: "keyId", in: "path", required: true, schema: { type: "string" } },
          ],
          responses: { "200": ok("{id, revokedAt}"), "404": err("no such key in this tenant"), ...common },
        },
      },
      "/api/v1/tenants/{id}/policies": {
        get: {
          operationId: "listPolicyVersions",
          summary: "The tenant's policy versions and which one is active (operator, auditor, admin)",
          parameters: [idParam("tenant id")],
          responses: {
            "200": ok(
              "{tenantId, activeVersion, fourEyes, versions: [{version, hash, active, createdBy, createdAt, note, review, document}]}",
            ),
            "404": err("not found"),
            ...common,
          },
        },
        post: {
          operationId: "addPolicyVersion",
          summary: "Add a policy version: active at once, or (four eyes) waiting for another admin",
          description:
            "When the tenant requires four eyes (policyFourEyes), the version is stored with review PENDING and active false; an admin other than its author activates it. `warnings` lists what the change weakens (a lower quorum, a weaker effect, a removed deny rule, a policy that denies everything).",
          parameters: [
            idParam("tenant id"),
            {
              name: "note",
              in: "query",
              required: false,
              description: "The change note (1–1000 characters), recorded with the version and in the chain",
              schema: { type: "string", minLength: 1, maxLength: 1000 },
            },
          ],
          requestBody: body({ $ref: "#/components/schemas/Policy" }),
          responses: {
            "201": ok("{tenantId, version, hash, active, review, warnings: [{kind, message, ruleId?}]}"),
            "404": err("not found"),
            ...common,
          },
        },
      },
      "/api/v1/tenants/{id}/policies/{version}/activate": {
        post: {
          operationId: "activatePolicyVersion",
          summary: "Re-activate an existing policy version (roll back or forward)",
          parameters: [
            idParam("tenant id"),
            { name: "version", in: "path", required: true, schema: { type: "integer", minimum: 1 } },
          ],
          responses: {
            "200": ok("{version, hash, active}"),
            "404": err("no such tenant or version"),
            ...common,
            "403": err("not an admin of the tenant; or four eyes: the caller wrote this version"),
            "409": err("the version was rejected in review"),
          },
        },
      },
      "/api/v1/tenants/{id}/policies/{version}/reject": {
        post: {
          operationId: "rejectPolicyVersion",
          summary: "Four eyes: reject a version that waits for review (its author may withdraw it)",
          parameters: [
            idParam("tenant id"),
            { name: "version", in: "path", required: true, schema: { type: "integer", minimum: 1 } },
          ],
          requestBody: body({
            type: "object",
            additionalProperties: false,
            required: ["reason"],
            properties: { reason: { type: "string", minLength: 1, maxLength: 1000 } },
          }),
          responses: {
            "200": ok("{tenantId, version, review: REJECTED}"),
            "404": err("no such tenant or version"),
            "409": err("the version is not waiting for review"),
            ...common,
          },
        },
      },
      "/api/v1/tenants/{id}/executors": {
        get: {
          operationId: "getExecutors",
          summary: "The tenant's executor routes (secrets shown only as hasSecret)",
          description:
            "Admins (and the platform admin) see each webhook's URL; operators and auditors see a webhook as the chain records it, `{scheme, host, urlHash}`, since a URL often embeds a token.",
          parameters: [idParam("tenant id")],
          responses: { "200": ok("{routes}"), "404": err("not found"), ...common },
        },
        put: {
          operationId: "setExecutors",
          summary:
            "Set the executor routes: action globs → webhook {url, timeoutMs, secret?} or the built-in record executor",
          description:
            "A webhook URL may not point at an internal address: loopback, private (RFC 1918), link-local (169.254.0.0/16, fe80::/10, including 169.254.169.254), carrier-grade NAT (100.64.0.0/10), unique-local (fc00::/7), multicast, unspecified or reserved, in any spelling (`2130706433`, `127.1`, `0x7f.1`, `[::ffff:127.0.0.1]`) — a 400 names the rule on `routes[i].url` and nothing is stored. Names are checked again on every attempt against every address they resolve to, and the request goes to the address that was checked; a refused destination fails the execution INVALID (not retried). Networks the operator lists in EXOARMUR_WEBHOOK_ALLOWED_NETWORKS are exempt. Redirects are not followed and at most 512 bytes of the answer are read. The secret is stored encrypted and never returned; the chain event `tenant.executors_set` records a webhook as `{scheme, host, urlHash}` (SHA-256 of the URL), never the URL.",
          parameters: [idParam("tenant id")],
          requestBody: body({ $ref: "#/components/schemas/ExecutorConfig" }),
          responses: {
            "200": ok("{routes}"),
            "404": err("not found"),
            ...common,
            "400": err(
              "invalid configuration, or a webhook URL that points at a refused address (the field names the rule)",
            ),
          },
        },
      },
      "/api/v1/tenants/{id}/notifications": {
        get: {
          operationId: "getNotifications",
          summary: "The tenant's notification channels (secrets shown only as hasSecret)",
          description:
            "Admins (and the platform admin) see each channel's URL; operators and auditors see it as the chain records it, `{scheme, host, urlHash}`, since a Slack incoming-webhook URL is a credential.",
          parameters: [idParam("tenant id")],
          responses: { "200": ok("{channels}"), "404": err("not found"), ...common },
        },
        put: {
          operationId: "setNotifications",
          summary:
            "Set the notification channels: a signed generic webhook {name, url, secret, events?, timeoutMs?} or a Slack incoming webhook {name, url, events?, timeoutMs?}",
          description:
            "Events that notify: approval.requested, approval.resolved, killswitch.engaged, killswitch.released (a global switch notifies every tenant with channels), execution.failed, execution.blocked; a channel without `events` gets them all. Deliveries are made from the event outbox after the event commits, one per (event, channel), and retried on 408/429/5xx and network errors with the executors' schedule; every attempt carries `Idempotency-Key: <delivery id>`. A generic webhook's body is signed like executor webhooks: `X-ExoArmur-Signature: sha256=<HMAC-SHA256 of the body>`; its secret is required for a new channel, kept when a channel of the same name is sent again without one, stored encrypted and never returned. URLs follow the executor webhooks' destination rules (a refused address is a 400 on `channels[i].url`, nothing stored; names checked on every attempt; EXOARMUR_WEBHOOK_ALLOWED_NETWORKS exempts networks). The chain event `tenant.notifications_set` records `{scheme, host, urlHash}` per channel, never the URL or secret.",
          parameters: [idParam("tenant id")],
          requestBody: body({ $ref: "#/components/schemas/NotificationConfig" }),
          responses: {
            "200": ok("{channels}"),
            "404": err("not found"),
            ...common,
            "400": err(
              "invalid configuration (each field named, e.g. `channels[0].secret`), or a URL that points at a refused address; nothing is stored",
            ),
          },
        },
      },
      "/api/v1/tenants/{id}/notifications/deliveries": {
        get: {
          operationId: "listNotificationDeliveries",
          summary: "Delivery state of the tenant's notifications, newest first",
          description:
            "One entry per (event, channel): `{id (the Idempotency-Key), channel, channelType, event {chain, seq, type, subjectId}, status (PENDING | SENDING | RETRY_WAIT | DELIVERED | FAILED), attempts, nextAttemptAt, lastStatus, lastError, deliveredAt, createdAt}`.",
          parameters: [
            idParam("tenant id"),
            {
              name: "subjectId",
              in: "query",
              required: false,
              schema: { type: "string" },
              description:
                "only the deliveries of events about this subject (an approval, execution or switch id)",
            },
            {
              name: "status",
              in: "query",
              required: false,
              schema: { type: "string", enum: ["PENDING", "SENDING", "RETRY_WAIT", "DELIVERED", "FAILED"] },
              description: "only deliveries in this state",
            },
            {
              name: "limit",
              in: "query",
              required: false,
              schema: { type: "integer", minimum: 1, maximum: 200, default: 50 },
              description: "at most this many",
            },
          ],
          responses: { "200": ok("{deliveries}"), "404": err("not found"), ...common },
        },
      },
      "/api/v1/signing-key": {
        get: {
          operationId: "getSigningKeys",
          summary: "The evidence-signing public keys: the current one, and every retired one",
          description:
            "`{alg, keyId, publicKey}` is the key that signs new bundles; `keys` lists it first, then the keys retired by `exoarmur signing-key rotate` (bundles they signed stay verifiable). Save the answer and pass it to `exoarmur verify --trusted-keys`. Rotation is an operator command (`exoarmur signing-key rotate`), not a REST route.",
          responses: {
            "200": ok("the current key and the retired ones", { $ref: "#/components/schemas/SigningKeys" }),
            ...common,
          },
        },
      },
      "/api/health": {
        get: {
          operationId: "getHealth",
          summary: "Database reachable and migrations current",
          security: [],
          responses: {
            "200": ok("ok"),
            "431": { description: "request headers larger than the server accepts (node:http refuses them)" },
            "503": ok("down or degraded"),
          },
        },
      },
      "/api/metrics": {
        get: {
          operationId: "getMetrics",
          summary: "Prometheus metrics (no tenant labels)",
          description:
            "Public unless EXOARMUR_METRICS_TOKEN is set; then `Authorization: Bearer <metrics token>` is required (Prometheus bearer auth).",
          security: [{}, { metricsToken: [] }],
          responses: {
            "200": { description: "text/plain exposition" },
            "401": err("EXOARMUR_METRICS_TOKEN is set and the request lacks it or carries another token"),
            "429": err("too many failed bearer tokens from this client; see Retry-After"),
          },
        },
      },
    }),
  };
}
