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
