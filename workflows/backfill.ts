/**
 * Recomputes a range of hours from what was landed, a few at a time, each as the hour's own import
 * workflow (the same id as a manual run, so the two cannot run one hour twice at once: an hour being
 * imported when the backfill reaches it is reported as failed, to be retried with --only failed). Hours
 * with nothing landed are reported, never invented. `progress` can be queried while it runs.
 */
import {
  ApplicationFailure,
  defineQuery,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
  ParentClosePolicy,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BackfillSelection } from '../activities/types';
import { workflowIdForHour } from '../core/importHour';
import { hourlyImport } from './hourlyImport';

export interface BackfillInput {
  from: string;
  to: string;
  only: BackfillSelection;
  /** Hours recomputed at once; bounded so a long backfill does not starve the hourly import. */
  concurrency?: number;
}

export interface BackfillProgress {
  planned: string[];
  noLandedData: string[];
  skipped: string[];
  done: string[];
  failed: { hour: string; error: string }[];
}

export const backfillProgress = defineQuery<BackfillProgress>('progress');
export const MAX_BACKFILL_HOURS = 24 * 366;

const planning = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

export async function backfill(input: BackfillInput): Promise<BackfillProgress> {
  const plan = await planning.planBackfill({ from: input.from, to: input.to, only: input.only });
  const progress: BackfillProgress = { ...plan, done: [], failed: [] };
  setHandler(backfillProgress, () => progress);
  if (plan.planned.length > MAX_BACKFILL_HOURS) {
    throw ApplicationFailure.nonRetryable(
      `a backfill covers at most ${MAX_BACKFILL_HOURS} hours; split the range`,
    );
  }

  const queue = [...plan.planned];
  const concurrency = Math.max(1, Math.min(input.concurrency ?? 4, 16));
  const lane = async () => {
    for (let hour = queue.shift(); hour !== undefined; hour = queue.shift()) {
      try {
        const child = await startChild(hourlyImport, {
          workflowId: workflowIdForHour(new Date(hour)),
          args: [{ hour, trigger: 'backfill' }],
          taskQueue: workflowInfo().taskQueue,
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
        await child.result();
        progress.done.push(hour);
      } catch (error) {
        progress.failed.push({ hour, error: rootMessage(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return progress;
}

function rootMessage(error: unknown): string {
  let current = error;
  while (current instanceof Error && (current as { cause?: unknown }).cause instanceof Error) {
    current = (current as { cause?: unknown }).cause;
  }
  return current instanceof Error ? current.message : String(current);
}
