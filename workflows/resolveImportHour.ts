import { ApplicationFailure, type WorkflowInfo } from '@temporalio/workflow';
import { parseHour, truncateToHour } from '../core/importHour';
import { INVALID_IMPORT_HOUR } from './failures';

/**
 * The import hour of this run: the hour given (manual runs, backfills), else the schedule's nominal
 * time from the TemporalScheduledStartTime search attribute, truncated to the hour. The nominal time
 * does not move when a run starts late or is retried, so neither does the hour it imports.
 */
export function resolveImportHour(
  givenHour: string | undefined,
  info: Pick<WorkflowInfo, 'searchAttributes'>,
): Date {
  if (givenHour !== undefined) {
    try {
      return parseHour(givenHour);
    } catch (error) {
      throw ApplicationFailure.nonRetryable((error as Error).message, INVALID_IMPORT_HOUR);
    }
  }
  // The untyped attributes: TemporalScheduledStartTime is set by the server, not declared by us.
  const scheduled = info.searchAttributes?.TemporalScheduledStartTime?.[0];
  const nominal =
    scheduled instanceof Date ? scheduled : typeof scheduled === 'string' ? new Date(scheduled) : undefined;
  if (nominal === undefined || Number.isNaN(nominal.getTime())) {
    throw ApplicationFailure.nonRetryable(
      'no import hour: pass { hour } for a manual run, or start the workflow from the schedule',
      INVALID_IMPORT_HOUR,
    );
  }
  return truncateToHour(nominal);
}
