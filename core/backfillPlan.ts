/** Which hours of a range a backfill recomputes, from what each hour has. Pure. */
import type { RunStatus } from './policies';

/** Which hours of a range a backfill recomputes: without aggregates, whose last run failed or was incomplete, or all. */
export const BACKFILL_SELECTIONS = ['missing', 'failed', 'all'] as const;
export type BackfillSelection = (typeof BACKFILL_SELECTIONS)[number];

export interface BackfillPlan {
  /** Hours to recompute, oldest first, ISO. */
  planned: string[];
  /** Hours in the range with nothing landed: reported, never invented. */
  noLandedData: string[];
  /** Hours with landed data that the selection leaves alone. */
  skipped: string[];
}

export interface HourState {
  hour: string;
  landed: boolean;
  hasAggregates: boolean;
  /** The status of the hour's latest run, if any. */
  lastRunStatus: RunStatus | null;
}

export function planBackfill(states: readonly HourState[], only: BackfillSelection): BackfillPlan {
  const plan: BackfillPlan = { planned: [], noLandedData: [], skipped: [] };
  for (const state of states) {
    if (!state.landed) {
      plan.noLandedData.push(state.hour);
      continue;
    }
    const wanted =
      only === 'all' ||
      (only === 'missing' && !state.hasAggregates) ||
      (only === 'failed' && (state.lastRunStatus === 'failed' || state.lastRunStatus === 'incomplete'));
    (wanted ? plan.planned : plan.skipped).push(state.hour);
  }
  return plan;
}

/** Where one hour of a backfill stands. */
export type BackfillHourStatus = 'done' | 'failed' | 'running' | 'pending' | 'no landed readings' | 'skipped';

/** What a backfill reports (its `progress` query): its plan, and the planned hours' outcomes so far. */
export interface BackfillOutcomes extends BackfillPlan {
  done: string[];
  failed: { hour: string; error: string }[];
  /** Hours whose import runs now (the sliding window reports them; the retired `backfill` does not). */
  running?: string[];
}

/**
 * Each hour of a backfill's range with its status, oldest first: planned hours are done, failed
 * (with the import's reason), running or pending; the others are reported as the plan left them.
 */
export function backfillHourStatuses(
  progress: BackfillOutcomes,
): { hour: string; status: BackfillHourStatus; error?: string }[] {
  const done = new Set(progress.done);
  const running = new Set(progress.running ?? []);
  const failed = new Map(progress.failed.map((f) => [f.hour, f.error]));
  const planned = progress.planned.map((hour) => {
    const error = failed.get(hour);
    if (error !== undefined) return { hour, status: 'failed' as const, error };
    const status: BackfillHourStatus = done.has(hour) ? 'done' : running.has(hour) ? 'running' : 'pending';
    return { hour, status };
  });
  const others = [
    ...progress.noLandedData.map((hour) => ({ hour, status: 'no landed readings' as const })),
    ...progress.skipped.map((hour) => ({ hour, status: 'skipped' as const })),
  ];
  return [...planned, ...others].sort((a, b) => (a.hour < b.hour ? -1 : a.hour > b.hour ? 1 : 0));
}
