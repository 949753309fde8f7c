// The body of every /api/v1 error response (built by server/api/http.ts): the schema the OpenAPI
// document's Error component derives from.

import { z } from "zod";
import type { FieldError } from "../core";
import type { ErrorBody as HttpErrorBody } from "./http";

export const fieldErrorSchema = z.object({ path: z.string(), message: z.string() });

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string().meta({ examples: ["INVALID", "NOT_FOUND", "CONFLICT", "RATE_LIMITED"] }),
    message: z.string(),
    reason: z
      .string()
      .meta({
        description:
          "machine-readable refusal, e.g. RATE_LIMITED, QUEUE_FULL, IDEMPOTENCY_KEY_REUSED, SELF_APPROVAL",
      })
      .optional(),
    fields: z.array(fieldErrorSchema).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

// http.ts still declares its own ErrorBody interface (and the core its FieldError): these lines stop
// compiling if either drifts from the schema.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
true satisfies Same<ErrorBody, HttpErrorBody>;
true satisfies Same<z.infer<typeof fieldErrorSchema>, FieldError>;
