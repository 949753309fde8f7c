// Structured logs (issue 15 §4): pino, one JSON object per line on stdout, with a level, the time,
// and — on every line — `requestId` and `tenant` (null outside a request, or before the caller is
// known), plus `traceId`/`spanId` when tracing is on. A terminal gets pino-pretty instead of JSON.
//
// EXOARMUR_LOG_LEVEL: trace | debug | info (default) | warn | error | fatal | silent. At debug,
// every REST request also logs one line when it is answered (method, route, status, ms).
// EXOARMUR_LOG_PRETTY: 1 / 0 forces pretty or JSON output (default: pretty on a TTY only).
//
// Secrets: nothing logs request headers or bodies; known secret fields are redacted wherever they
// appear in a logged object, and bearer tokens / API keys are masked in messages as a last guard.
//
// The logger and the request store live on globalThis: the process runs two copies of these modules
// (Next's compiled one and the tsx one), which must log the same request as one.

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { format, stripVTControlCharacters } from "node:util";
import { trace } from "@opentelemetry/api";
import pino, { type Logger } from "pino";
import { tracingEnabled } from "./tracing";

/** What every line logged while serving one request carries. */
export interface RequestContext {
  requestId: string;
  /** The tenant of the authenticated caller, once known. */
  tenant: string | null;
}

interface LogState {
  root: Logger;
  requests: AsyncLocalStorage<RequestContext>;
  components: Map<string, Logger>;
}

const holder = globalThis as unknown as { __exoarmurLog?: LogState };

const REDACTED_KEYS = [
  "authorization",
  "cookie",
  "set-cookie",
  "x-exoarmur-signature",
  "secret",
  "token",
  "adminToken",
  "apiKey",
  "password",
  "secretKey",
  "EXOARMUR_SECRET_KEY",
  "EXOARMUR_ADMIN_TOKEN",
  "BETTER_AUTH_SECRET",
];
/** The keys above at the top of a logged object, one level down, and in any `headers` object. */
export const REDACT_PATHS = REDACTED_KEYS.flatMap((key) => {
  const at = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`;
  return [at.startsWith(".") ? key : at, `*${at}`, `headers${at}`, `*.headers${at}`];
});

/** Bearer credentials and ExoArmur API keys, wherever they would appear in a message. */
const SECRET_IN_TEXT = /\b(Bearer\s+)[^\s"',;]+|\bexo_[A-Za-z0-9_-]{8,}/gi;
export const maskSecrets = (text: string): string =>
  text.replace(SECRET_IN_TEXT, (_match, bearer: string | undefined) => `${bearer ?? ""}[redacted]`);

function serializeError(error: Error): pino.SerializedError {
  const serialized = pino.stdSerializers.err(error);
  serialized.message = maskSecrets(serialized.message);
  if (serialized.stack) serialized.stack = maskSecrets(serialized.stack);
  return serialized;
}

function level(): string {
  const value = (process.env.EXOARMUR_LOG_LEVEL || "info").toLowerCase();
  if (!["trace", "debug", "info", "warn", "error", "fatal", "silent"].includes(value))
    throw new Error(
      `EXOARMUR_LOG_LEVEL must be trace, debug, info, warn, error, fatal or silent, not "${value}"`,
    );
  return value;
}

function pretty(): boolean {
  const forced = process.env.EXOARMUR_LOG_PRETTY;
  if (forced === "1" || forced === "0") return forced === "1";
  return process.stdout.isTTY === true;
}

function create(): LogState {
  const requests = new AsyncLocalStorage<RequestContext>();
  const root = pino({
    level: level(),
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: { err: serializeError },
    mixin() {
      const request = requests.getStore();
      const fields: Record<string, unknown> = {
        requestId: request?.requestId ?? null,
        tenant: request?.tenant ?? null,
      };
      if (tracingEnabled()) {
        const span = trace.getActiveSpan()?.spanContext();
        if (span) {
          fields.traceId = span.traceId;
          fields.spanId = span.spanId;
        }
      }
      return fields;
    },
    // Objects a line carries may say which tenant it is about (background work has no request).
    mixinMergeStrategy: (merge, mixin) => Object.assign(mixin, merge),
    hooks: {
      logMethod(args, method) {
        const masked = args.map((arg) => (typeof arg === "string" ? maskSecrets(arg) : arg));
        method.apply(this, masked as Parameters<typeof method>);
      },
    },
    // pino-pretty runs in a worker thread, loaded only when it is used.
    ...(pretty()
      ? {
          transport: {
            target: "pino-pretty",
            options: { colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid" },
          },
        }
      : {}),
  });
  return { root, requests, components: new Map() };
}

const state = (): LogState => {
  holder.__exoarmurLog ??= create();
  return holder.__exoarmurLog;
};

/** The process's logger. */
export const logger = (): Logger => state().root;

/** A logger whose lines say which part of the server wrote them (`component`). */
export function componentLogger(component: string): Logger {
  const { root, components } = state();
  let child = components.get(component);
  if (!child) {
    child = root.child({ component });
    components.set(component, child);
  }
  return child;
}

/** `(line) => void` for the parts that take a log function (the dispatcher, the relay…). */
export const logLines =
  (component: string, at: "info" | "warn" = "info") =>
  (line: string): void =>
    componentLogger(component)[at](line);

/** The request being served, if any. */
export const currentRequest = (): RequestContext | undefined => state().requests.getStore();

/** A client's X-Request-Id, if it is a plain token; a new id otherwise. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && /^[\w.:@-]{1,128}$/.test(header) ? header : randomUUID();
}

/**
 * Runs `work` as one request: whatever it logs (also in callbacks it starts) carries the id. A
 * request already being served (the production server opens one for every request) is reused.
 */
export function inRequest<T>(requestId: () => string, work: (request: RequestContext) => T): T {
  const { requests } = state();
  const current = requests.getStore();
  if (current) return work(current);
  const request: RequestContext = { requestId: requestId(), tenant: null };
  return requests.run(request, work, request);
}

/**
 * What libraries in the process print with `console` (Next's own notices and errors) goes through
 * the logger too, as `component: "next"` lines at the matching level, so that the server's output
 * is JSON lines only. Called once by the production server (server/http/main.ts).
 */
export function routeConsoleToLogger(): void {
  const log = componentLogger("next");
  const levels = { log: "info", info: "info", warn: "warn", error: "error", debug: "debug" } as const;
  for (const [method, level] of Object.entries(levels)) {
    console[method as keyof typeof levels] = (...args: unknown[]) => {
      const error = args.find((arg): arg is Error => arg instanceof Error);
      const message = stripVTControlCharacters(format(...args.filter((arg) => arg !== error))).trim();
      if (error) log[level]({ err: error }, message || error.message);
      else log[level](message);
    };
  }
}
