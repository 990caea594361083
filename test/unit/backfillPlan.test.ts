/**
 * The backfill plan (what `tempctl backfill --dry-run` prints and the backfill workflow runs): which
 * hours each selection recomputes, and that an hour with nothing landed is never planned.
 */
import { backfillHourStatuses, planBackfill, type HourState } from '../../core/backfillPlan';
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

test('each hour of a backfill with its status, oldest first: planned hours by outcome, the rest as planned', () => {
  const statuses = backfillHourStatuses({
    planned: ['h1', 'h2', 'h4', 'h5'],
    noLandedData: ['h0'],
    skipped: ['h3'],
    done: ['h1'],
    failed: [{ hour: 'h2', error: 'source failed: partner-api: HTTP 404' }],
    running: ['h4'],
  });
  expect(statuses).toEqual([
    { hour: 'h0', status: 'no landed readings' },
    { hour: 'h1', status: 'done' },
    { hour: 'h2', status: 'failed', error: 'source failed: partner-api: HTTP 404' },
    { hour: 'h3', status: 'skipped' },
    { hour: 'h4', status: 'running' },
    { hour: 'h5', status: 'pending' },
  ]);
});

test("the retired backfill's progress (no running hours) reads as done or pending", () => {
  const progress = { planned: ['h1', 'h2'], noLandedData: [], skipped: [], done: ['h2'], failed: [] };
  expect(backfillHourStatuses(progress).map((s) => s.status)).toEqual(['pending', 'done']);
});
