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
import type { BackfillSelection } from '../core/backfillPlan';
import { deepestMessage } from '../core/errors';
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
/**
 * Each hour costs the backfill's history about 8 events (child started, completed, workflow tasks):
 * 2,000 hours stay well within Temporal's 51,200-event limit. Split longer ranges.
 */
export const MAX_BACKFILL_HOURS = 2_000;

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
  const requested = input.concurrency ?? 4;
  const concurrency = Number.isInteger(requested) ? Math.max(1, Math.min(requested, 16)) : 4;
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
        progress.failed.push({ hour, error: deepestMessage(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return progress;
}
