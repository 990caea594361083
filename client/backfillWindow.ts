/**
 * Starting a backfill (workflows/backfillWindow.ts, what `tempctl backfill` runs), attaching to the
 * one of the same range already running, following it, and reading where each of its hours stands.
 */
import {
  WorkflowIdConflictPolicy,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { backfillProgress, type BackfillProgress } from '../workflows/backfill';
import { backfillWindow, type BackfillWindowProgress } from '../workflows/backfillWindow';
import { backfillInput, backfillWorkflowId, type BackfillRequest } from './backfill';
import type { ClientConfig } from './connection';

export interface BackfillWindowRequest extends BackfillRequest {
  /** Hours one run starts before it continues as new (BACKFILL_HOURS_PER_RUN). */
  hoursPerRun?: number;
}

/**
 * What a backfill reports: the window's progress, or, for a run of the retired `backfill` workflow
 * started before the window (same id, same `progress` query), its plan and outcomes only.
 */
export type BackfillReport = BackfillProgress &
  Partial<Pick<BackfillWindowProgress, 'running' | 'pending' | 'run'>>;

/** The backfill workflow under a range's id as Temporal describes its latest run. */
export interface BackfillExecution {
  workflowId: string;
  /** `backfillWindow`, or `backfill` for a run started before the window. */
  type: string;
  /** RUNNING, COMPLETED, FAILED, TERMINATED, CANCELLED, TIMED_OUT, … */
  status: string;
  startTime: Date;
}

/** Starts the window over the range; its id is the range's (one at a time: a second start is refused). */
export async function startBackfillWindow(
  client: Client,
  config: ClientConfig,
  request: BackfillWindowRequest,
  conflict: WorkflowIdConflictPolicy = WorkflowIdConflictPolicy.FAIL,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof backfillWindow>> {
  return client.workflow.start(backfillWindow, {
    workflowId: backfillWorkflowId(request),
    taskQueue: config.temporal.taskQueue,
    args: [{ ...backfillInput(request), hoursPerRun: request.hoursPerRun }],
    workflowIdConflictPolicy: conflict,
  });
}

/** The range's backfill as Temporal knows it, or undefined if none was ever started (or it was purged). */
export async function describeBackfill(
  client: Client,
  workflowId: string,
): Promise<BackfillExecution | undefined> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return { workflowId, type: d.type, status: d.status.name, startTime: d.startTime };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Starts the window over the range, or attaches to the backfill of that range already running
 * (`attached` says which, and what it is): running `tempctl backfill` again after the terminal
 * went away follows the same backfill, which has gone on in the workers, where it is.
 */
export async function openBackfill(
  client: Client,
  config: ClientConfig,
  request: BackfillWindowRequest,
): Promise<{ handle: WorkflowHandle<typeof backfillWindow>; attached?: BackfillExecution }> {
  const existing = await describeBackfill(client, backfillWorkflowId(request));
  if (existing?.status === 'RUNNING')
    return { handle: client.workflow.getHandle(existing.workflowId), attached: existing };
  // Started meanwhile by someone else: attach to it rather than fail.
  return {
    handle: await startBackfillWindow(client, config, request, WorkflowIdConflictPolicy.USE_EXISTING),
  };
}

/**
 * The window's progress now (its latest run's), or undefined while no worker can answer. (A run of
 * the retired `backfill` under the same id answers the same query without `running`, `pending`
 * and `run`: callers that may attach to one read it as a BackfillReport.)
 */
export async function backfillWindowProgress(
  handle: WorkflowHandle<typeof backfillWindow>,
): Promise<BackfillWindowProgress | undefined> {
  // The query is `backfill`'s: the same name; the window answers it with more fields.
  return (await handle.query(backfillProgress).catch(() => undefined)) as BackfillWindowProgress | undefined;
}

/**
 * The range's backfill and where its hours stand: a finished one's result, a running one's
 * progress (undefined while no worker answers), or undefined if there is none.
 */
export async function backfillState(
  client: Client,
  workflowId: string,
): Promise<{ execution: BackfillExecution; progress?: BackfillReport } | undefined> {
  const execution = await describeBackfill(client, workflowId);
  if (!execution) return undefined;
  const handle = client.workflow.getHandle<typeof backfillWindow>(workflowId);
  const progress =
    execution.status === 'COMPLETED' ? await handle.result() : await backfillWindowProgress(handle);
  return { execution, progress };
}

/**
 * Waits for the backfill's result (through its continue-as-new runs), calling `onProgress` with
 * its `progress` query every `intervalMs` (milliseconds) meanwhile. A query that fails (no worker
 * has started the run yet, or it just ended) is skipped, not an error; the result's own failure is.
 */
export async function followBackfill(
  handle: WorkflowHandle<typeof backfillWindow>,
  onProgress: (progress: BackfillReport) => void,
  intervalMs = 1_000,
): Promise<BackfillReport> {
  const result = handle.result();
  const ended = result.then(
    () => true,
    () => true,
  );
  let timer: NodeJS.Timeout | undefined;
  const tick = () => new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), intervalMs)));
  while (!(await Promise.race([ended, tick()]))) {
    const progress = await backfillWindowProgress(handle);
    if (progress !== undefined) onProgress(progress);
  }
  clearTimeout(timer);
  return result;
}
