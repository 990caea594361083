/** Starting a backfill and following its progress until it ends. */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { formatHour } from '../core/importHour';
import type { BackfillSelection } from '../core/backfillPlan';
import { backfill, backfillProgress, type BackfillProgress } from '../workflows/backfill';
import type { ClientConfig } from './connection';

export interface BackfillRequest {
  from: Date;
  to: Date;
  only: BackfillSelection;
  /** Hours recomputed at once, within BACKFILL_CONCURRENCY (workflows/backfill.ts); others are refused. */
  concurrency?: number;
}

/** One id per range and selection: the same backfill asked for twice is refused while it runs. */
export function backfillWorkflowId(request: BackfillRequest): string {
  return `backfill-${formatHour(request.from)}-${formatHour(request.to)}-${request.only}`;
}

export async function startBackfill(
  client: Client,
  config: ClientConfig,
  request: BackfillRequest,
): Promise<WorkflowHandle<typeof backfill>> {
  return client.workflow.start(backfill, {
    workflowId: backfillWorkflowId(request),
    taskQueue: config.temporal.taskQueue,
    args: [backfillInput(request)],
  });
}

/** The workflows' input for a request: its hours as ISO strings (workflows/backfill.ts). */
export function backfillInput(request: BackfillRequest) {
  return {
    from: formatHour(request.from),
    to: formatHour(request.to),
    only: request.only,
    concurrency: request.concurrency,
  };
}

/**
 * Waits for the backfill's result, calling `onProgress` with its `progress` query every
 * `intervalMs` (milliseconds) meanwhile. A query that fails (the workflow not yet started by a
 * worker, or just ended) is skipped, not an error; the result's own failure is.
 */
export async function followBackfill(
  handle: WorkflowHandle<typeof backfill>,
  onProgress: (progress: BackfillProgress) => void,
  intervalMs = 1_000,
): Promise<BackfillProgress> {
  const result = handle.result();
  const ended = result.then(
    () => true,
    () => true,
  );
  let timer: NodeJS.Timeout | undefined;
  const tick = () => new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), intervalMs)));
  while (!(await Promise.race([ended, tick()]))) {
    const progress = await handle.query(backfillProgress).catch(() => undefined);
    if (progress !== undefined) onProgress(progress);
  }
  clearTimeout(timer);
  return result;
}
