/**
 * Turns errors thrown by the adapters into Temporal failures that say whether to retry. Only the
 * message crosses into workflow history, and messages are written never to contain a secret; they
 * pass through the one sanitiser (core/safeText.ts), so history and the ledger can always hold them.
 */
import { ApplicationFailure } from '@temporalio/common';
import { isDatabaseError, isPipelineError, isRetryable, isSourceError, originOf } from '../core/errors';
import { describeOrigin } from '../core/failureOrigin';
import { safeMessage } from '../core/safeText';
import { databaseFailure, isDatabaseDriverError, type DatabaseTarget } from '../adapters/db/connection';

/**
 * details[0] is always the failure's origin (core/failureOrigin.ts): the part that failed and the
 * setting to check, which the workflow, the ledger, `tempctl` and the metrics read by field.
 */
export function toApplicationFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  const origin = originOf(error);
  const message = error instanceof Error ? error.message : String(error);
  // Our errors name their part themselves; a raw one (a full scratch disk) is named here.
  const named =
    isPipelineError(error) || origin.component === 'pipeline'
      ? message
      : `${describeOrigin(origin)}: ${message}`;
  return ApplicationFailure.create({
    message: safeMessage(named),
    type: error instanceof Error ? error.name : 'Error',
    details: [origin],
    // Unknown errors (a database hiccup, a bug) are retried; the bounded retry policy decides.
    nonRetryable: !isRetryable(error),
    nextRetryDelay:
      isSourceError(error) || isDatabaseError(error) ? (error.retryAfterMs as number | undefined) : undefined,
  });
}

/**
 * Wraps every activity of an object so that its failures are classified the same way: errors from
 * the database driver become DatabaseErrors naming the database and the activity, so that no
 * database failure passes for the source's.
 */
export function withFailureMapping<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
  database?: DatabaseTarget,
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await activity(...args);
      } catch (error) {
        const classified =
          database !== undefined && !isPipelineError(error) && isDatabaseDriverError(error)
            ? databaseFailure(error, database, `running ${name}`)
            : error;
        throw toApplicationFailure(classified);
      }
    };
  }
  return wrapped as T;
}
