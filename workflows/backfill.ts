/**
 * The first backfill workflow, retired: `tempctl backfill` (and the UI path in docs/operations.md)
 * now start `backfillWindow`, which continues as new (a year per backfill instead of 2,000 hours). This one stays
 * registered, unchanged, so that runs started before the change replay and finish on new workers
 * (Temporal replays a run's history against the code; a changed body would fail them as
 * non-deterministic). Remove it once no run of type `backfill` is open.
 *
 * It recomputes a range of hours from what was landed, a few at a time, each as the hour's own
 * import workflow (the same id as a manual run, so the two cannot run one hour twice at once: an
 * hour being imported when the backfill reaches it is reported as failed, to be retried with --only
 * failed). Hours with nothing landed are reported, never invented. `progress` can be queried.
 */
import {
  ApplicationFailure,
  defineQuery,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
  ParentClosePolicy,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BackfillOutcomes, BackfillSelection } from '../core/backfillPlan';
import { deepestMessage } from '../core/errors';
import { workflowIdForHour } from '../core/importHour';
import { INVALID_BACKFILL } from './failures';
import { hourlyImport } from './hourlyImport';

export interface BackfillInput {
  from: string;
  to: string;
  only: BackfillSelection;
  /** Hours recomputed at once, within BACKFILL_CONCURRENCY; default BACKFILL_CONCURRENCY.default. */
  concurrency?: number;
}

/** Its plan and the planned hours' outcomes; `backfillWindow` adds the hours running now. */
export type BackfillProgress = Omit<BackfillOutcomes, 'running'>;

export const backfillProgress = defineQuery<BackfillProgress>('progress');
/**
 * Each hour costs the backfill's history about 8 events (child started, completed, workflow tasks):
 * 2,000 hours stay well within Temporal's 51,200-event limit. Split longer ranges.
 */
export const MAX_BACKFILL_HOURS = 2_000;

/**
 * Hours a backfill recomputes at once (`tempctl backfill --concurrency`, read by the CLI): bounded so
 * that a long backfill does not starve the hourly import. Other numbers are refused, not clamped.
 */
export const BACKFILL_CONCURRENCY = { min: 1, max: 16, default: 4 } as const;

export function isBackfillConcurrency(value: number): boolean {
  return Number.isInteger(value) && value >= BACKFILL_CONCURRENCY.min && value <= BACKFILL_CONCURRENCY.max;
}

/** Patch marker: a concurrency out of bounds is refused. Runs started before it replay with the clamp they ran with. */
const REFUSE_BAD_CONCURRENCY = 'backfill-refuse-bad-concurrency';

const planning = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

export async function backfill(input: BackfillInput): Promise<BackfillProgress> {
  const requested = input.concurrency ?? BACKFILL_CONCURRENCY.default;
  const valid = isBackfillConcurrency(requested);
  if (!valid && patched(REFUSE_BAD_CONCURRENCY)) {
    const { min, max } = BACKFILL_CONCURRENCY;
    throw ApplicationFailure.nonRetryable(
      `concurrency must be a whole number from ${min} to ${max}, got ${requested}`,
      INVALID_BACKFILL,
    );
  }
  const plan = await planning.planBackfill({ from: input.from, to: input.to, only: input.only });
  const progress: BackfillProgress = { ...plan, done: [], failed: [] };
  setHandler(backfillProgress, () => progress);
  if (plan.planned.length > MAX_BACKFILL_HOURS) {
    throw ApplicationFailure.nonRetryable(
      `a backfill covers at most ${MAX_BACKFILL_HOURS} hours; split the range`,
    );
  }

  const queue = [...plan.planned];
  const concurrency = valid
    ? requested
    : // Only a run started before REFUSE_BAD_CONCURRENCY, replaying: the clamp it ran with.
      Number.isInteger(requested)
      ? Math.max(BACKFILL_CONCURRENCY.min, Math.min(requested, BACKFILL_CONCURRENCY.max))
      : BACKFILL_CONCURRENCY.default;
  const lane = async () => {
    for (let hour = queue.shift(); hour !== undefined; hour = queue.shift()) {
      await importHourAsChild(hour, progress);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return progress;
}

/**
 * Recomputes one hour as an hourlyImport child on this task queue, and records its outcome in
 * `progress` (done, or failed with its reason). Shared by both backfill workflows.
 */
export async function importHourAsChild(
  hour: string,
  progress: Pick<BackfillProgress, 'done' | 'failed'>,
): Promise<void> {
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
