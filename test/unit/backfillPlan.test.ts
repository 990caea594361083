/**
 * The backfill plan (what `tempctl backfill --dry-run` prints and the backfill workflow runs): which
 * hours each selection recomputes, and that an hour with nothing landed is never planned.
 */
import { planBackfill, type HourState } from '../../core/backfillPlan';
import type { RunStatus } from '../../core/policies';

const state = (hour: string, landed: boolean, hasAggregates: boolean, lastRunStatus: RunStatus | null) =>
  ({ hour, landed, hasAggregates, lastRunStatus }) satisfies HourState;

// One hour of each kind: a hole, an hour never aggregated, a failed one, an incomplete one, a good one.
const STATES = [
  state('h-hole', false, false, null),
  state('h-missing', true, false, 'running'),
  state('h-failed', true, true, 'failed'),
  state('h-incomplete', true, true, 'incomplete'),
  state('h-good', true, true, 'succeeded'),
];

test.each([
  ['missing', ['h-missing'], ['h-failed', 'h-incomplete', 'h-good']],
  ['failed', ['h-failed', 'h-incomplete'], ['h-missing', 'h-good']],
  ['all', ['h-missing', 'h-failed', 'h-incomplete', 'h-good'], []],
] as const)(
  '--only %s plans %j and skips %j; the hole is reported, never planned',
  (only, planned, skipped) => {
    expect(planBackfill(STATES, only)).toEqual({ planned, noLandedData: ['h-hole'], skipped });
  },
);
