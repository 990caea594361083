/**
 * A backfill at archive scale: months of hours recomputed through a sliding window of child
 * workflows (Temporal's batch-sliding-window pattern, samples-typescript): at most `concurrency`
 * hours (within BACKFILL_CONCURRENCY) run at once, a new one starting as soon as one ends, and after
 * `hoursPerRun` hours the run drains its window and continues as new, carrying what is left and each
 * hour's status. So each run's history stays small whatever the range (about 8 events an hour: a
 * 100-hour run is under 1,000 events), and a backfill that is interrupted (its worker killed,
 * redeployed) resumes from its last state on any worker, not from the start. Each hour is the
 * hour's own `hourlyImport` (the same id as any other run of that hour), as in `backfill`.
 *
 * Why the window drains before continuing as new: the sample's children signal their parent when
 * done, so a new run can adopt them; our child is the ordinary hourly import, which signals no one.
 * The cost is one window's tail per `hoursPerRun` hours.
 */
import { ApplicationFailure, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BackfillSelection } from '../core/backfillPlan';
import {
  BACKFILL_CONCURRENCY,
  backfillProgress,
  importHourAsChild,
  isBackfillConcurrency,
  type BackfillProgress,
} from './backfill';
import { INVALID_BACKFILL } from './failures';

/** Hours one run starts before it continues as new, by default. */
export const BACKFILL_HOURS_PER_RUN = { min: 1, max: 1_000, default: 100 } as const;
/**
 * The longest range one backfill plans: its state (every hour's status, about 25 bytes each, twice)
 * travels in each continue-as-new input, well under Temporal's 2 MB payload limit. A year of hours.
 */
export const MAX_WINDOW_HOURS = 8_784;

export interface BackfillWindowInput {
  from: string;
  to: string;
  only: BackfillSelection;
  /** Hours recomputed at once, within BACKFILL_CONCURRENCY; default BACKFILL_CONCURRENCY.default. */
  concurrency?: number;
  /** Hours one run starts before continuing as new, within BACKFILL_HOURS_PER_RUN. */
  hoursPerRun?: number;
  /** Set by the workflow itself when it continues as new: what is left and what is known. */
  carried?: { pending: string[]; progress: BackfillProgress; run: number };
}

/** What the backfill reports: each hour's status so far, and the runs it took. */
export interface BackfillWindowProgress extends BackfillProgress {
  /** Hours whose import is running now. */
  running: string[];
  /** Hours planned and not started yet. */
  pending: number;
  /** This run's place in the chain of continue-as-new runs (1 for the first). */
  run: number;
}

const planning = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

function refuse(message: string): never {
  throw ApplicationFailure.nonRetryable(message, INVALID_BACKFILL);
}

export async function backfillWindow(input: BackfillWindowInput): Promise<BackfillWindowProgress> {
  const concurrency = input.concurrency ?? BACKFILL_CONCURRENCY.default;
  const hoursPerRun = input.hoursPerRun ?? BACKFILL_HOURS_PER_RUN.default;
  if (!isBackfillConcurrency(concurrency)) {
    const { min, max } = BACKFILL_CONCURRENCY;
    refuse(`concurrency must be a whole number from ${min} to ${max}, got ${concurrency}`);
  }
  const perRun = BACKFILL_HOURS_PER_RUN;
  if (!Number.isInteger(hoursPerRun) || hoursPerRun < perRun.min || hoursPerRun > perRun.max)
    refuse(`hoursPerRun must be a whole number from ${perRun.min} to ${perRun.max}, got ${hoursPerRun}`);

  const run = (input.carried?.run ?? 0) + 1;
  let pending: string[];
  let progress: BackfillProgress;
  if (input.carried) {
    ({ pending, progress } = input.carried);
  } else {
    const plan = await planning.planBackfill({ from: input.from, to: input.to, only: input.only });
    if (plan.planned.length > MAX_WINDOW_HOURS)
      refuse(`a backfill covers at most ${MAX_WINDOW_HOURS} hours; split the range`);
    progress = { ...plan, done: [], failed: [] };
    pending = [...plan.planned];
  }
  const running = new Set<string>();
  setHandler(backfillProgress, () => ({ ...progress, running: [...running], pending: pending.length, run }));

  // The window: `concurrency` lanes, each taking the next hour as soon as its last one ended, until
  // this run has started `hoursPerRun` hours.
  let startedHere = 0;
  const lane = async () => {
    while (startedHere < hoursPerRun) {
      const hour = pending.shift();
      if (hour === undefined) return;
      startedHere += 1;
      running.add(hour);
      try {
        await importHourAsChild(hour, progress);
      } finally {
        running.delete(hour);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));

  if (pending.length > 0) {
    await continueAsNew<typeof backfillWindow>({
      ...input,
      concurrency,
      hoursPerRun,
      carried: { pending, progress, run },
    });
  }
  return { ...progress, running: [], pending: 0, run };
}
