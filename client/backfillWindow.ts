/** Starting a backfill at archive scale (workflows/backfillWindow.ts) and reading its progress. */
import type { Client, WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { backfillProgress } from '../workflows/backfill';
import { backfillWindow, type BackfillWindowProgress } from '../workflows/backfillWindow';
import { backfillInput, backfillWorkflowId, type BackfillRequest } from './backfill';
import type { ClientConfig } from './connection';

export interface BackfillWindowRequest extends BackfillRequest {
  /** Hours one run starts before it continues as new (BACKFILL_HOURS_PER_RUN). */
  hoursPerRun?: number;
}

/** Starts the window over the range; its id is the range's, as `startBackfill`'s (one at a time). */
export async function startBackfillWindow(
  client: Client,
  config: ClientConfig,
  request: BackfillWindowRequest,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof backfillWindow>> {
  return client.workflow.start(backfillWindow, {
    workflowId: backfillWorkflowId(request),
    taskQueue: config.temporal.taskQueue,
    args: [{ ...backfillInput(request), hoursPerRun: request.hoursPerRun }],
  });
}

/** The window's progress now (the current run's), or undefined while no worker can answer. */
export async function backfillWindowProgress(
  handle: WorkflowHandle<typeof backfillWindow>,
): Promise<BackfillWindowProgress | undefined> {
  // The query is `backfill`'s: the same name, this workflow answers it with more fields.
  return (await handle.query(backfillProgress).catch(() => undefined)) as BackfillWindowProgress | undefined;
}
