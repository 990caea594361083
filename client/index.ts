/**
 * The Temporal client side of the pipeline, as in Temporal's samples' `client.ts`: holding a client,
 * starting an import and waiting for it, starting (or attaching to) and following a backfill, the
 * hourly schedule.
 * The CLI, the demo and the tests call these; nothing else starts workflows.
 */
export { connectClient, withClient, type ClientConfig } from './connection';
export { runImport, startImport, type ImportOptions } from './imports';
export { backfillInput, backfillWorkflowId, type BackfillRequest } from './backfill';
export {
  backfillState,
  backfillWindowProgress,
  describeBackfill,
  followBackfill,
  openBackfill,
  startBackfillWindow,
  type BackfillExecution,
  type BackfillReport,
  type BackfillWindowRequest,
} from './backfillWindow';
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
