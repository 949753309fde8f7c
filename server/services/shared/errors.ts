// What a use case refuses, with the HTTP status a REST handler answers. Services throw these
// inside their transaction, so a refusal rolls back everything the request had started to write.

import type { FieldError } from "../../core";

export type ServiceErrorCode =
  | "INVALID"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  /** A kill switch, an expired intent or a suspended tenant stops the action at its last check. */
  | "BLOCKED"
  | "RATE_LIMITED"
  | "QUEUE_FULL"
  | "UNAVAILABLE";

const STATUS: Record<ServiceErrorCode, number> = {
  INVALID: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  BLOCKED: 409,
  RATE_LIMITED: 429,
  QUEUE_FULL: 429,
  UNAVAILABLE: 503,
};

export class ServiceError extends Error {
  readonly status: number;
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly details: { fields?: FieldError[]; retryAfterSeconds?: number; reason?: string } = {},
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

export const invalid = (fields: FieldError[], message = "request is invalid") =>
  new ServiceError("INVALID", message, { fields });
export const notFound = (what: string) => new ServiceError("NOT_FOUND", `${what} not found`);
export const forbidden = (message: string) => new ServiceError("FORBIDDEN", message);
export const conflict = (message: string, reason?: string) =>
  new ServiceError("CONFLICT", message, reason ? { reason } : {});
