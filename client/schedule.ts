/**
 * The Temporal Schedule that starts an import every hour at minute 0 UTC, and its operations.
 * `applySchedule` creates it or brings it in line with this definition, and changes nothing when it
 * already matches.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
} from '@temporalio/client';
import type { Config, TemporalConnectionConfig } from '../config';
import { HOUR_MS } from '../core/importHour';
import type { HourlyImportInput } from '../workflows/hourlyImport';

export const SCHEDULE_ID = 'hourly-import';
type ScheduleConfig = Pick<Config, 'fetchMaxLagHours'> & { temporal: TemporalConnectionConfig };

/**
 * After an outage, missed hours still run, one at a time, as long as they can be fetched
 * (FETCH_MAX_LAG_HOURS, plus the hour itself): an older hour could not be, as the sources only
 * serve the present.
 */
function catchupWindowMs(config: ScheduleConfig): number {
  return (config.fetchMaxLagHours + 1) * HOUR_MS;
}

function desired(config: ScheduleConfig) {
  const args: [HourlyImportInput] = [{ trigger: 'schedule' }];
  return {
    spec: { intervals: [{ every: HOUR_MS, offset: 0 }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'hourlyImport',
      // The schedule suffixes this with the nominal time, giving one workflow id per hour.
      workflowId: SCHEDULE_ID,
      taskQueue: config.temporal.taskQueue,
      args,
    },
    policies: {
      // Never two imports at once; an hour that comes due while one runs waits for it rather than being dropped.
      overlap: ScheduleOverlapPolicy.BUFFER_ONE,
      catchupWindow: catchupWindowMs(config),
      pauseOnFailure: false,
    },
  };
}

/** What makes two versions of the schedule the same, read from a description. */
function fingerprint(description: ScheduleDescription): string {
  const action = description.action;
  return JSON.stringify({
    intervals: description.spec.intervals?.map((i) => ({
      every: Number(i.every),
      offset: Number(i.offset ?? 0),
    })),
    calendars: description.spec.calendars?.length ?? 0,
    workflowType: action.type === 'startWorkflow' ? action.workflowType : action.type,
    workflowId: action.type === 'startWorkflow' ? action.workflowId : undefined,
    taskQueue: action.type === 'startWorkflow' ? action.taskQueue : undefined,
    args: action.type === 'startWorkflow' ? action.args : undefined,
    overlap: description.policies.overlap,
    catchupWindow: description.policies.catchupWindow,
  });
}

function desiredFingerprint(config: ScheduleConfig): string {
  const d = desired(config);
  return JSON.stringify({
    intervals: d.spec.intervals,
    calendars: 0,
    workflowType: d.action.workflowType,
    workflowId: d.action.workflowId,
    taskQueue: d.action.taskQueue,
    args: d.action.args,
    overlap: d.policies.overlap,
    catchupWindow: d.policies.catchupWindow,
  });
}

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

export async function applySchedule(client: Client, config: ScheduleConfig): Promise<ApplyOutcome> {
  const definition = desired(config);
  try {
    await client.schedule.create({ scheduleId: SCHEDULE_ID, ...definition });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning) && (error as Error).name !== 'ScheduleAlreadyRunning')
      throw error;
  }
  const handle = client.schedule.getHandle(SCHEDULE_ID);
  if (fingerprint(await handle.describe()) === desiredFingerprint(config)) return 'unchanged';
  await handle.update((previous) => ({ ...previous, ...definition }));
  return 'updated';
}

export function scheduleHandle(client: Client) {
  return client.schedule.getHandle(SCHEDULE_ID);
}

/** What `tempctl schedule describe` shows: the schedule's state, its next and its recent runs. */
export interface ScheduleStatus {
  paused: boolean;
  note: string | undefined;
  overlap: ScheduleDescription['policies']['overlap'];
  catchupWindowMs: number;
  nextRuns: Date[];
  /** Oldest first: when each run was due, and its workflow id. */
  recentRuns: { scheduledAt: Date; workflowId: string }[];
}

export async function describeSchedule(client: Client): Promise<ScheduleStatus> {
  const d = await scheduleHandle(client).describe();
  return {
    paused: d.state.paused,
    note: d.state.note,
    overlap: d.policies.overlap,
    catchupWindowMs: d.policies.catchupWindow,
    nextRuns: d.info.nextActionTimes,
    recentRuns: d.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt,
      workflowId: a.action.type === 'startWorkflow' ? a.action.workflow.workflowId : a.action.type,
    })),
  };
}

/** Stops the schedule starting imports; `note` says why (shown by describe and the Temporal UI). */
export async function pauseSchedule(client: Client, note: string): Promise<void> {
  await scheduleHandle(client).pause(note);
}

export async function unpauseSchedule(client: Client, note: string): Promise<void> {
  await scheduleHandle(client).unpause(note);
}

/** Starts an import now, as the schedule would: its hour is the current hour. */
export async function triggerSchedule(client: Client): Promise<void> {
  await scheduleHandle(client).trigger();
}
