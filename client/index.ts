/**
 * The Temporal client side of the pipeline, as in Temporal's samples' `client.ts`: holding a client,
 * starting an import and waiting for it, starting and following a backfill, the hourly schedule.
 * The CLI, the demo and the tests call these; nothing else starts workflows.
 */
export { connectClient, withClient, type ClientConfig } from './connection';
export { runImport, startImport, type ImportOptions } from './imports';
export { backfillWorkflowId, followBackfill, startBackfill, type BackfillRequest } from './backfill';
export { backfillWindowProgress, startBackfillWindow, type BackfillWindowRequest } from './backfillWindow';
export {
  applySchedule,
  describeSchedule,
  pauseSchedule,
  scheduleHandle,
  triggerSchedule,
  unpauseSchedule,
  SCHEDULE_ID,
  type ApplyOutcome,
  type ScheduleStatus,
} from './schedule';
