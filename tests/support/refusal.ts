import { ServiceError } from "../../server/services/shared/errors";

/** The ServiceError a service call was refused with (fails the test if it succeeded or threw something else). */
export async function refusal(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}
