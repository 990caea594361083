/**
 * Turns errors thrown by the adapters into Temporal failures that say whether to retry. Only the
 * message crosses into workflow history, and messages are written never to contain a secret.
 */
import { ApplicationFailure } from '@temporalio/common';
import { isPipelineError, isSourceError } from '../core/errors';

export function toApplicationFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (isPipelineError(error)) {
    return ApplicationFailure.create({
      message: error.message,
      type: error.name,
      nonRetryable: !error.retryable,
      nextRetryDelay:
        isSourceError(error) && error.retryAfterMs !== undefined ? error.retryAfterMs : undefined,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({
    message,
    type: error instanceof Error ? error.name : 'Error',
    nonRetryable: false,
  });
}

/** Wraps every activity of an object so that its failures are classified the same way. */
export function withFailureMapping<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await activity(...args);
      } catch (error) {
        throw toApplicationFailure(error);
      }
    };
  }
  return wrapped as T;
}
