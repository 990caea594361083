/**
 * Turns errors thrown by the adapters into Temporal failures that say whether to retry. Only the
 * message crosses into workflow history, and messages are written never to contain a secret.
 */
import { ApplicationFailure } from '@temporalio/common';
import { isRetryable, isSourceError } from '../core/errors';

export function toApplicationFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  return ApplicationFailure.create({
    message: error instanceof Error ? error.message : String(error),
    type: error instanceof Error ? error.name : 'Error',
    // Unknown errors (a database hiccup, a bug) are retried; the bounded retry policy decides.
    nonRetryable: !isRetryable(error),
    nextRetryDelay: isSourceError(error) ? error.retryAfterMs : undefined,
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
