/** Which hours of a range a backfill recomputes, from what each hour has. Pure. */
import type { BackfillPlan, BackfillSelection } from '../activities/types';

export interface HourState {
  hour: string;
  landed: boolean;
  hasAggregates: boolean;
  /** The status of the hour's latest run, if any. */
  lastRunStatus: string | null;
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
