/**
 * The archive-scale backfill (workflows/backfillWindow.ts) run by the real workflow code on the
 * shared dev server with stub activities (test/support/stubActivities.ts): a sliding window (a new
 * hour starts as soon as one ends, never more than asked at once), continue-as-new every
 * `hoursPerRun` hours with each hour's status carried over, failed hours reported with their
 * reason, and a backfill whose worker goes away resumed by another worker where it was.
 */
import { randomBytes } from 'node:crypto';
import { backfillWindowProgress, startBackfillWindow } from '../../client';
import { deepestMessage } from '../../core/errors';
import { addHours, formatHour } from '../../core/importHour';
import { INVALID_BACKFILL } from '../../workflows/failures';
import type { BackfillWindowProgress } from '../../workflows/backfillWindow';
import {
  fetched,
  inputsOf,
  nonRetryable,
  openStubWorld,
  stubActivities,
  type StubWorld,
} from '../support/stubActivities';
import type { FinishImportInput } from '../../activities/types';

let world: StubWorld;
beforeAll(async () => {
  world = await openStubWorld();
});
afterAll(() => world.close());

let nextDay = 0;
/** A range of `n` hours of its own per test (one workflow id per hour, and per range). */
function freshRange(n: number): { from: Date; to: Date; hours: string[] } {
  nextDay += 1;
  const from = new Date(Date.UTC(2025, 0, nextDay, 0));
  const hours = Array.from({ length: n }, (_, i) => formatHour(addHours(from, i)));
  return { from, to: addHours(from, n - 1), hours };
}
const config = () => ({ temporal: { address: '', namespace: '', taskQueue: world.taskQueue } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts the hours whose fetch runs at once (the stubs' fetch stands for a whole hour's import). */
function concurrencyMeter() {
  const meter = { running: 0, most: 0 };
  return {
    meter,
    around: async <T>(work: () => Promise<T>): Promise<T> => {
      meter.running += 1;
      meter.most = Math.max(meter.most, meter.running);
      try {
        return await work();
      } finally {
        meter.running -= 1;
      }
    },
  };
}

test('a sliding window: the next hour starts as soon as one ends, never more than asked at once; per-hour status while it runs', async () => {
  const { from, to, hours } = freshRange(8);
  const { meter, around } = concurrencyMeter();
  const ended: string[] = [];
  const { activities, calls } = stubActivities({
    planBackfill: () => ({ planned: hours, noLandedData: [], skipped: [] }),
    // The first hour is slow: it ends only once four later hours have, which a batch of two
    // (waiting for both of its hours) could never do.
    fetchSource: (input) =>
      around(async () => {
        if (input.hour === hours[0]) for (let i = 0; i < 300 && ended.length < 4; i += 1) await sleep(50);
        else await sleep(20);
        ended.push(input.hour);
        return fetched(input.source, 1);
      }),
  });
  const { seen, result } = await world.withWorker(activities, async () => {
    const handle = await startBackfillWindow(world.client, config(), {
      from,
      to,
      only: 'all',
      concurrency: 2,
    });
    let seen: BackfillWindowProgress | undefined;
    while (!seen?.running.includes(hours[0]!) || seen.done.length === 0)
      seen = (await backfillWindowProgress(handle)) ?? seen;
    return { seen, result: await handle.result() };
  });
  expect(ended.indexOf(hours[0]!)).toBeGreaterThanOrEqual(4);
  expect(meter.most).toBe(2);
  // While the first hour ran, later ones were done and the rest pending.
  expect(seen.running).toContain(hours[0]);
  expect(seen.pending + seen.running.length + seen.done.length).toBe(hours.length);
  expect([...result.done].sort()).toEqual(hours);
  expect(result.failed).toEqual([]);
  expect(result.run).toBe(1);
  // Each hour imported once, as a backfill.
  expect(
    inputsOf<{ hour: string }>(calls, 'startImport')
      .map((s) => s.hour)
      .sort(),
  ).toEqual(hours);
});

test('continues as new every hoursPerRun hours, carrying each hour status; a failed hour is reported with its reason', async () => {
  const { from, to, hours } = freshRange(7);
  const { meter, around } = concurrencyMeter();
  const { activities, calls } = stubActivities({
    planBackfill: () => ({
      planned: hours.filter((h) => h !== hours[6]),
      noLandedData: [hours[6]!],
      skipped: [],
    }),
    fetchSource: (input) =>
      around(async () => {
        await sleep(10);
        if (input.hour === hours[2]) throw nonRetryable('HTTP 404 from the partner API');
        return fetched(input.source, 1);
      }),
  });
  const { result, firstRun } = await world.withWorker(activities, async () => {
    const handle = await startBackfillWindow(world.client, config(), {
      from,
      to,
      only: 'all',
      concurrency: 3,
      hoursPerRun: 2,
    });
    const result = await handle.result();
    const first = world.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    return { result, firstRun: await first.fetchHistory() };
  });
  // Six planned hours, two a run: three runs, the first ended by continuing as new.
  expect(result.run).toBe(3);
  const last = firstRun.events?.[firstRun.events.length - 1];
  expect(last?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  expect(meter.most).toBeLessThanOrEqual(2);
  expect([...result.done].sort()).toEqual(hours.filter((h) => h !== hours[2] && h !== hours[6]));
  expect(result.failed).toEqual([
    { hour: hours[2], error: 'source failed: partner-api: HTTP 404 from the partner API' },
  ]);
  expect(result.noLandedData).toEqual([hours[6]]);
  // The plan was made once, by the first run; each planned hour was started once.
  expect(inputsOf(calls, 'planBackfill')).toHaveLength(1);
  expect(
    inputsOf<{ hour: string }>(calls, 'startImport')
      .map((s) => s.hour)
      .sort(),
  ).toEqual(hours.slice(0, 6));
});

test('a backfill whose worker goes away is resumed by another worker where it was: every hour imported once', async () => {
  const { from, to, hours } = freshRange(6);
  const taskQueue = `stub-${randomBytes(4).toString('hex')}`;
  const plan = () => ({ planned: hours, noLandedData: [], skipped: [] });
  const first = stubActivities({ planBackfill: plan });
  let handle!: Awaited<ReturnType<typeof startBackfillWindow>>;
  // The first worker goes once three hours are recorded as ended.
  await world.withWorker(
    first.activities,
    async () => {
      handle = await startBackfillWindow(world.client, config(), {
        from,
        to,
        only: 'all',
        concurrency: 1,
        hoursPerRun: 2,
      });
      while (inputsOf(first.calls, 'finishImport').length < 3) await sleep(20);
    },
    taskQueue,
  );
  const endedFirst = inputsOf<FinishImportInput>(first.calls, 'finishImport').length;
  const second = stubActivities({ planBackfill: plan });
  const result = await world.withWorker(second.activities, () => handle.result(), taskQueue);

  expect(endedFirst).toBeGreaterThanOrEqual(3);
  expect(endedFirst).toBeLessThan(hours.length);
  expect([...result.done].sort()).toEqual(hours);
  // No hour ran twice: the hours the first worker ended were not started again by the second.
  const startedBy = (calls: typeof first.calls) =>
    inputsOf<{ hour: string }>(calls, 'startImport').map((s) => s.hour);
  expect([...startedBy(first.calls), ...startedBy(second.calls)].sort()).toEqual(hours);
  expect(inputsOf(second.calls, 'planBackfill')).toEqual([]);
});

test.each([
  [{ concurrency: 17 }, 'concurrency must be a whole number from 1 to 16, got 17'],
  [{ hoursPerRun: 0 }, 'hoursPerRun must be a whole number from 1 to 1000, got 0'],
])('%p is refused as InvalidBackfill before anything is planned', async (bad, message) => {
  const { from, to } = freshRange(2);
  const { activities, calls } = stubActivities();
  const failure = await world.withWorker(activities, async () => {
    const handle = await startBackfillWindow(world.client, config(), { from, to, only: 'all', ...bad });
    return handle.result().then(
      () => undefined,
      (error: unknown) => error,
    );
  });
  expect((failure as { cause?: { type?: string } }).cause?.type).toBe(INVALID_BACKFILL);
  expect(deepestMessage(failure)).toBe(message);
  expect(calls).toEqual([]);
});
