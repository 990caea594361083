/**
 * Every branch of the `hourlyImport` and the retired `backfill` workflows (still registered for the
 * runs started before `backfillWindow`, so still tested), run by the real workflow code on the
 * shared Temporal dev server with stub activities (test/support/stubActivities.ts): no database, no
 * source. Each branch is driven by what the activities answer, as in Temporal's samples'
 * `workflows.test.ts`; the assertions read the workflow's result or failure and the activity calls it
 * made (what it recorded in the run ledger, what it persisted and backed up).
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { PartInput, PartTask } from '../../activities/types';
import {
  applySchedule,
  describeSchedule,
  runImport,
  scheduleHandle,
  startImport,
  triggerSchedule,
} from '../../client';
import { DatabaseError, deepestMessage, ObjectStoreError } from '../../core/errors';
import { toApplicationFailure } from '../../activities/failures';
import { addHours, formatHour } from '../../core/importHour';
import { hourlyImport } from '../../workflows/hourlyImport';
import {
  BACKUP_FAILED,
  DATABASE_FAILED,
  INVALID_BACKFILL,
  INVALID_IMPORT_HOUR,
  SOURCE_FAILED,
  TOO_OLD_TO_FETCH,
  LANDING_STORE_FAILED,
} from '../../workflows/failures';
import { backfillInput, backfillWorkflowId, type BackfillRequest } from '../../client/backfill';
import {
  backfill,
  BACKFILL_CONCURRENCY,
  backfillProgress,
  MAX_BACKFILL_HOURS,
} from '../../workflows/backfill';
import {
  fetched,
  finishes,
  heldOpen,
  inputsOf,
  nonRetryable,
  notFetched,
  openStubWorld,
  REGIONS_HASH,
  STUB_AGGREGATE,
  stubActivities,
  type StubWorld,
} from '../support/stubActivities';

let world: StubWorld;
beforeAll(async () => {
  world = await openStubWorld();
});
afterAll(() => world.close());

// Each test imports hours of its own (one workflow id per hour); the stubs do not look at the clock.
let nextDay = 0;
function freshHour(): Date {
  nextDay += 1;
  return new Date(Date.UTC(2026, 0, nextDay, 12));
}
const config = () => ({ temporal: { address: '', namespace: '', taskQueue: world.taskQueue } });

/** The failure a workflow ended with: its ApplicationFailure type and deepest message. */
async function failureOf(result: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  const error = await result.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) throw new Error('the workflow succeeded');
  const cause = (error as { cause?: { type?: string } }).cause;
  return { type: cause?.type, message: deepestMessage(error) };
}

describe('hourlyImport', () => {
  test('fetches every source, persists the aggregates, records the run as succeeded and backs it up', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      sources: ['partner-api', 'file-drop'],
      fetchSource: (input) =>
        input.source === 'partner-api'
          ? fetched('partner-api', 7, { rejected: 2, rejectedByReason: { temperature_range: 2 } })
          : fetched('file-drop', 5, { duplicates: 1 }),
    });
    const summary = await world.withWorker(activities, () => runImport(world.client, config(), hour));

    expect(summary).toMatchObject({
      hour: formatHour(hour),
      trigger: 'manual',
      status: 'succeeded',
      regionsHash: REGIONS_HASH,
      totals: { fetched: 12, rejected: 2, duplicates: 1, counted: 4, outside: 1 },
      rejectedByReason: { temperature_range: 2 },
      failedSources: [],
      recomputedHours: [],
      regions: STUB_AGGREGATE.aggregates,
    });
    expect(inputsOf(calls, 'fetchSource')).toEqual([
      expect.objectContaining({ source: 'partner-api', hour: formatHour(hour), refetch: false }),
      expect.objectContaining({ source: 'file-drop', hour: formatHour(hour), refetch: false }),
    ]);
    // The quality check sees the fetched and rejected counts of every source.
    expect(inputsOf(calls, 'checkQuality')).toEqual([
      expect.objectContaining({ fetched: 12, rejected: 2, stats: STUB_AGGREGATE.stats }),
    ]);
    expect(inputsOf(calls, 'persistHour')).toEqual([
      { hour: formatHour(hour), aggregates: STUB_AGGREGATE.aggregates },
    ]);
    expect(finishes(calls)).toEqual([
      { runId: summary.runId, status: 'succeeded', report: summary, error: null },
    ]);
    // Backed up after the ledger row is written, so the backup holds the run as it ended.
    const order = calls.map((c) => c.activity);
    expect(order.lastIndexOf('backupHour')).toBeGreaterThan(order.indexOf('finishImport'));
    expect(inputsOf(calls, 'backupHour')).toEqual([{ hour: formatHour(hour) }]);
    // The landed objects are copied as soon as the hour is landed, before the hour is published.
    expect(inputsOf(calls, 'backupObjects')).toEqual([{ hour: formatHour(hour) }]);
    expect(order.indexOf('backupObjects')).toBeGreaterThan(order.lastIndexOf('fetchSource'));
    expect(order.indexOf('backupObjects')).toBeLessThan(order.indexOf('persistHour'));
  });

  test('a refetch is passed to every source', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities();
    await world.withWorker(activities, () => runImport(world.client, config(), hour, { refetch: true }));
    expect(inputsOf(calls, 'fetchSource')).toEqual([expect.objectContaining({ refetch: true })]);
  });

  test('hours a correction touched are re-aggregated, persisted and backed up with the import hour', async () => {
    const hour = freshHour();
    const earlier = formatHour(addHours(hour, -2));
    const { activities, calls } = stubActivities({
      // The import hour itself among the corrected hours is not recomputed twice.
      fetchSource: () =>
        fetched('partner-api', 3, { corrections: 2, correctedHours: [earlier, formatHour(hour)] }),
    });
    const summary = await world.withWorker(activities, () => runImport(world.client, config(), hour));

    expect(summary.recomputedHours).toEqual([earlier]);
    expect(inputsOf(calls, 'persistHour').map((p) => (p as { hour: string }).hour)).toEqual([
      earlier,
      formatHour(hour),
    ]);
    // Offered to refreshHours first, which left it pending (the stub's default): computed here.
    expect(inputsOf(calls, 'refreshHours')).toEqual([{ hours: [earlier] }]);
    expect(inputsOf(calls, 'planHour')).toEqual([{ hour: earlier }, { hour: formatHour(hour) }]);
    // One backup: the import hour's, which holds the corrected hour's aggregates too.
    expect(inputsOf(calls, 'backupHour')).toEqual([{ hour: formatHour(hour), corrected: [earlier] }]);
    expect(inputsOf(calls, 'backupHours')).toEqual([]);
    // Only the import hour's objects are new: the corrected hour's were copied when it was landed.
    expect(inputsOf(calls, 'backupObjects')).toEqual([{ hour: formatHour(hour) }]);
    // The quality checks are for the import hour only.
    expect(inputsOf(calls, 'checkQuality')).toHaveLength(1);
  });

  test('corrected hours their deltas brought up to date take one activity, and only the others are computed here', async () => {
    const hour = freshHour();
    const [byDeltas, fromFiles, alsoByDeltas] = [-5, -3, -1].map((h) => formatHour(addHours(hour, h)));
    const correctedHours = [byDeltas, fromFiles, alsoByDeltas] as string[];
    const { activities, calls } = stubActivities({
      fetchSource: () => fetched('partner-api', 3, { corrections: 3, correctedHours }),
      refreshHours: ({ hours }) => ({
        refreshed: hours.filter((h) => h !== fromFiles),
        pending: hours.filter((h) => h === fromFiles),
      }),
    });
    const summary = await world.withWorker(activities, () => runImport(world.client, config(), hour));

    expect(summary.recomputedHours).toEqual(correctedHours);
    expect(inputsOf(calls, 'refreshHours')).toEqual([{ hours: correctedHours }]);
    // Planned, computed and persisted here: the pending hour, then the import hour.
    const hours = (activity: 'planHour' | 'persistHour') =>
      inputsOf<{ hour: string }>(calls, activity).map((i) => i.hour);
    expect(hours('planHour')).toEqual([fromFiles, formatHour(hour)]);
    expect(hours('persistHour')).toEqual([fromFiles, formatHour(hour)]);
    expect(inputsOf(calls, 'aggregateBucket')).toHaveLength(2);
    // Every corrected hour's aggregates go into the import hour's backup, written last.
    expect(inputsOf(calls, 'backupHour')).toEqual([{ hour: formatHour(hour), corrected: correctedHours }]);
    expect(inputsOf(calls, 'backupHours')).toEqual([]);
    const order = calls.map((c) => c.activity);
    expect(order.indexOf('backupHour')).toBeGreaterThan(order.lastIndexOf('persistHour'));
  });

  test('a failed backup of an hour with corrections fails the run, with the aggregates stored', async () => {
    const hour = freshHour();
    const earlier = formatHour(addHours(hour, -2));
    const { activities, calls } = stubActivities({
      fetchSource: () => fetched('partner-api', 3, { corrections: 1, correctedHours: [earlier] }),
      backupHour: () => {
        throw nonRetryable('backup store away', 'BackupError');
      },
    });
    const failure = await world.withWorker(activities, () =>
      failureOf(runImport(world.client, config(), hour)),
    );
    expect(failure).toEqual({
      type: BACKUP_FAILED,
      message: 'the aggregates are stored, but the backup failed: backup store away',
    });
    expect(inputsOf(calls, 'persistHour')).toHaveLength(2);
    expect(inputsOf(calls, 'backupHour')).toEqual([{ hour: formatHour(hour), corrected: [earlier] }]);
    expect(finishes(calls).map((f) => f.status)).toEqual(['succeeded', 'failed']);
  });

  test('a run started by the schedule imports its nominal hour, as a scheduled run', async () => {
    const { activities, calls } = stubActivities();
    const summary = await world.withWorker(activities, async () => {
      await applySchedule(world.client, { ...config(), fetchMaxLagHours: 2 });
      try {
        await triggerSchedule(world.client);
        let workflowId: string | undefined;
        while (workflowId === undefined) {
          workflowId = (await describeSchedule(world.client)).recentRuns[0]?.workflowId;
          if (workflowId === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
        }
        return await world.client.workflow.getHandle<typeof hourlyImport>(workflowId).result();
      } finally {
        await scheduleHandle(world.client).delete();
      }
    });
    // A triggered run's nominal time is the moment of the trigger: its hour is that hour.
    const [start] = inputsOf<{ hour: string; trigger: string }>(calls, 'startImport');
    expect(start).toEqual(expect.objectContaining({ hour: summary.hour, trigger: 'schedule' }));
    expect(summary.trigger).toBe('schedule');
    expect(Date.now() - new Date(summary.hour).getTime()).toBeLessThan(2 * 3_600_000);
    expect(new Date(summary.hour).getUTCMinutes()).toBe(0);
  });

  test('an hour not on the hour fails as InvalidImportHour before anything is recorded', async () => {
    const { activities, calls } = stubActivities();
    const failure = await world.withWorker(activities, async () =>
      failureOf(
        world.client.workflow.execute(hourlyImport, {
          workflowId: `invalid-${freshHour().getTime()}`,
          taskQueue: world.taskQueue,
          args: [{ hour: '2026-01-01T12:30:00Z' }],
        }),
      ),
    );
    expect(failure.type).toBe(INVALID_IMPORT_HOUR);
    expect(failure.message).toMatch(/not on the hour/);
    expect(calls).toEqual([]);
  });

  test('a run with neither an hour nor a schedule fails as InvalidImportHour', async () => {
    const { activities, calls } = stubActivities();
    const failure = await world.withWorker(activities, async () =>
      failureOf(
        world.client.workflow.execute(hourlyImport, {
          workflowId: `no-hour-${freshHour().getTime()}`,
          taskQueue: world.taskQueue,
          args: [{}],
        }),
      ),
    );
    expect(failure.type).toBe(INVALID_IMPORT_HOUR);
    expect(failure.message).toMatch(/no import hour/);
    expect(calls).toEqual([]);
  });

  test('every source too old to fetch: TooOldToFetch, the run recorded as failed, nothing persisted', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      sources: ['partner-api', 'file-drop'],
      fetchSource: (input) => notFetched(input.source, 'nothing was landed for it, and it is 30 hours old'),
    });
    const failure = await world.withWorker(activities, () =>
      failureOf(runImport(world.client, config(), hour)),
    );

    expect(failure.type).toBe(TOO_OLD_TO_FETCH);
    expect(failure.message).toBe(
      'partner-api: nothing was landed for it, and it is 30 hours old; file-drop: nothing was landed for it, and it is 30 hours old',
    );
    expect(inputsOf(calls, 'persistHour')).toEqual([]);
    expect(finishes(calls)).toEqual([expect.objectContaining({ status: 'failed', error: failure.message })]);
    // What a failed run landed is backed up too (here: nothing, but the backup is still attempted).
    expect(inputsOf(calls, 'backupHour')).toEqual([{ hour: formatHour(hour) }]);
  });

  test('one source too old, another fetched: the hour is stored as incomplete with a warning', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      sources: ['partner-api', 'file-drop'],
      fetchSource: (input) =>
        input.source === 'file-drop' ? notFetched('file-drop', 'too old') : fetched('partner-api', 4),
    });
    const summary = await world.withWorker(activities, () => runImport(world.client, config(), hour));

    expect(summary.status).toBe('incomplete');
    expect(summary.warnings).toEqual(['file-drop not fetched: too old']);
    expect(inputsOf(calls, 'persistHour')).toHaveLength(1);
    expect(finishes(calls)).toEqual([expect.objectContaining({ status: 'incomplete', error: null })]);
  });

  test('a failing source under SOURCE_FAILURE_POLICY=fail fails the hour as SourceFailed, nothing persisted', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      sources: ['partner-api', 'file-drop'],
      sourceFailurePolicy: 'fail',
      fetchSource: (input) => {
        if (input.source === 'partner-api') throw nonRetryable('HTTP 401 from the partner API');
        return fetched('file-drop', 5);
      },
    });
    const failure = await world.withWorker(activities, () =>
      failureOf(runImport(world.client, config(), hour)),
    );

    expect(failure).toEqual({
      type: SOURCE_FAILED,
      message: 'source failed: partner-api: HTTP 401 from the partner API',
    });
    expect(inputsOf(calls, 'persistHour')).toEqual([]);
    const [finish] = finishes(calls);
    expect(finish).toMatchObject({
      status: 'failed',
      error: failure.message,
      report: {
        fetches: [expect.objectContaining({ source: 'file-drop', fetched: 5 })],
        failedSources: [{ source: 'partner-api', error: 'HTTP 401 from the partner API' }],
        recomputedHours: [],
      },
    });
  });

  test('the landing store failing during a fetch fails the hour as LandingStoreFailed, blaming no source, whatever the policy', async () => {
    const hour = freshHour();
    const origin = { component: 'landing-store', setting: 'LANDING_STORE_URL' } as const;
    // What activities/failures.ts makes of a landing store's error (adapters/objectStore/named.ts).
    const storeDown = toApplicationFailure(
      new ObjectStoreError(
        'the landing store (check LANDING_STORE_URL): s3://b/p: cannot write k: ECONNREFUSED',
        {
          retryable: false,
          origin,
        },
      ),
    );
    const { activities, calls } = stubActivities({
      sources: ['partner-api', 'file-drop'],
      sourceFailurePolicy: 'partial',
      fetchSource: (input) => {
        if (input.source === 'partner-api') throw storeDown;
        return fetched('file-drop', 5);
      },
    });
    const error = await world
      .withWorker(activities, () => runImport(world.client, config(), hour))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const cause = (error as { cause?: { type?: string; details?: unknown[] } }).cause;
    expect(cause?.type).toBe(LANDING_STORE_FAILED);
    expect(cause?.details).toEqual([origin]);
    expect(deepestMessage(error)).toBe(storeDown.message);
    expect(inputsOf(calls, 'persistHour')).toEqual([]);
    const [finish] = finishes(calls);
    expect(finish).toMatchObject({ status: 'failed', report: { failedSources: [], failure: origin } });
  });

  test('a failing source under SOURCE_FAILURE_POLICY=partial: the others are stored, the hour incomplete', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      sources: ['partner-api', 'file-drop'],
      sourceFailurePolicy: 'partial',
      fetchSource: (input) => {
        if (input.source === 'file-drop') throw nonRetryable('cannot read drop.csv: EACCES');
        return fetched('partner-api', 6);
      },
    });
    const summary = await world.withWorker(activities, () => runImport(world.client, config(), hour));

    expect(summary.status).toBe('incomplete');
    expect(summary.failedSources).toEqual([{ source: 'file-drop', error: 'cannot read drop.csv: EACCES' }]);
    expect(summary.totals.fetched).toBe(6);
    expect(inputsOf(calls, 'persistHour')).toHaveLength(1);
    expect(finishes(calls)).toEqual([expect.objectContaining({ status: 'incomplete', error: null })]);
  });

  test('our database failing while a source lands fails the hour as DatabaseFailed, whatever the policy', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      sources: ['partner-api', 'file-drop'],
      sourceFailurePolicy: 'partial',
      fetchSource: (input) => {
        if (input.source === 'file-drop')
          // What activities/failures.ts makes of a database error: its origin in details[0].
          throw toApplicationFailure(
            new DatabaseError('database (PostgreSQL at db:5432) refused: running fetchSource', {
              retryable: false,
            }),
          );
        return fetched('partner-api', 6);
      },
    });
    const failure = await world.withWorker(activities, () =>
      failureOf(runImport(world.client, config(), hour)),
    );

    expect(failure).toEqual({
      type: DATABASE_FAILED,
      message: 'database (PostgreSQL at db:5432) refused: running fetchSource',
    });
    // Not blamed on the source, and nothing stored as a partial hour.
    expect(inputsOf(calls, 'persistHour')).toEqual([]);
    expect(finishes(calls)).toEqual([expect.objectContaining({ status: 'failed', error: failure.message })]);
  });

  test('a quality check set to fail: DataQualityError, nothing persisted, the run recorded as failed', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      checkQuality: () => {
        throw nonRetryable(
          'data-quality check failed, nothing stored: no_valid_readings',
          'DataQualityError',
        );
      },
    });
    const failure = await world.withWorker(activities, () =>
      failureOf(runImport(world.client, config(), hour)),
    );

    expect(failure.message).toBe('data-quality check failed, nothing stored: no_valid_readings');
    expect(inputsOf(calls, 'persistHour')).toEqual([]);
    expect(finishes(calls)).toEqual([expect.objectContaining({ status: 'failed', error: failure.message })]);
  });

  test('quality checks set to warn: their warnings are in the summary and the hour is stored', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      checkQuality: () => ['rejected_share: 30% of the records were rejected (max 20%)'],
    });
    const summary = await world.withWorker(activities, () => runImport(world.client, config(), hour));
    expect(summary.status).toBe('succeeded');
    expect(summary.warnings).toEqual(['rejected_share: 30% of the records were rejected (max 20%)']);
    expect(inputsOf(calls, 'persistHour')).toHaveLength(1);
  });

  test('a backup failing after the rows are stored: the run is recorded as failed, saying the rows are stored', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      backupHour: () => {
        throw nonRetryable('ENOSPC: no space left on device', 'BackupError');
      },
    });
    const failure = await world.withWorker(activities, () =>
      failureOf(runImport(world.client, config(), hour)),
    );

    // The failure says the rows are stored (so `tempctl run` can show it), with its own type.
    expect(failure).toEqual({
      type: BACKUP_FAILED,
      message: 'the aggregates are stored, but the backup failed: ENOSPC: no space left on device',
    });
    expect(inputsOf(calls, 'persistHour')).toHaveLength(1);
    const [first, second] = finishes(calls);
    expect(first).toMatchObject({ status: 'succeeded', error: null });
    // The second record keeps the full summary: the hour's rows are in the table.
    expect(second).toEqual({
      runId: first?.runId,
      status: 'failed',
      report: first?.report,
      error: 'the aggregates are stored, but the backup failed: ENOSPC: no space left on device',
    });
  });

  test('the early copy of the landed objects failing fails the backup, not the stored rows', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      backupObjects: () => {
        throw nonRetryable('sha256 differs from the recorded one; the object is damaged', 'BackupError');
      },
    });
    const failure = await world.withWorker(activities, () =>
      failureOf(runImport(world.client, config(), hour)),
    );
    expect(failure).toEqual({
      type: BACKUP_FAILED,
      message:
        'the aggregates are stored, but the backup failed: sha256 differs from the recorded one; the object is damaged',
    });
    expect(inputsOf(calls, 'persistHour')).toHaveLength(1);
    // The manifest is not written over a failed copy.
    expect(inputsOf(calls, 'backupHour')).toEqual([]);
    expect(finishes(calls).map((f) => f.status)).toEqual(['succeeded', 'failed']);
  });

  test('a cancelled run is recorded as cancelled, not left running', async () => {
    const hour = freshHour();
    let started!: () => void;
    const fetching = new Promise<void>((resolve) => (started = resolve));
    const { activities, calls } = stubActivities({
      fetchSource: async (input) => {
        started();
        await heldOpen();
        return fetched(input.source, 1);
      },
    });
    const failure = await world.withWorker(activities, async () => {
      const handle: WorkflowHandle<typeof hourlyImport> = await startImport(world.client, config(), hour);
      await fetching;
      await handle.cancel();
      return failureOf(handle.result());
    });

    expect(failure.message).toMatch(/cancel/i);
    expect(inputsOf(calls, 'persistHour')).toEqual([]);
    expect(finishes(calls)).toEqual([
      expect.objectContaining({
        status: 'failed',
        error: 'cancelled',
        report: { fetches: [], failedSources: [], recomputedHours: [] },
      }),
    ]);
    expect(inputsOf(calls, 'backupHour')).toEqual([{ hour: formatHour(hour) }]);
  });
});

describe('backfill (retired: nothing starts it now, its open runs must still finish)', () => {
  // As client/backfill.ts started it before `tempctl backfill` moved to backfillWindow.
  const startBackfill = (
    client: typeof world.client,
    cfg: ReturnType<typeof config>,
    request: BackfillRequest,
  ) =>
    client.workflow.start(backfill, {
      workflowId: backfillWorkflowId(request),
      taskQueue: cfg.temporal.taskQueue,
      args: [backfillInput(request)],
    });
  const range = (from: Date, n: number) => Array.from({ length: n }, (_, i) => formatHour(addHours(from, i)));

  test('recomputes the planned hours as imports triggered by the backfill; reports the rest as planned', async () => {
    const from = freshHour();
    const [h0, h1, h2, h3] = range(from, 4);
    const { activities, calls } = stubActivities({
      planBackfill: () => ({ planned: [h0!, h2!, h3!], noLandedData: [h1!], skipped: [] }),
    });
    const result = await world.withWorker(activities, async () => {
      const handle = await startBackfill(world.client, config(), {
        from,
        to: addHours(from, 3),
        only: 'failed',
        concurrency: 2,
      });
      return handle.result();
    });

    // The selection reaches the plan unchanged.
    expect(inputsOf(calls, 'planBackfill')).toEqual([{ from: h0, to: h3, only: 'failed' }]);
    expect(result.planned).toEqual([h0, h2, h3]);
    expect(result.noLandedData).toEqual([h1]);
    expect([...result.done].sort()).toEqual([h0, h2, h3]);
    expect(result.failed).toEqual([]);
    // Each planned hour was imported once, as a backfill; the hole was left alone.
    const starts = inputsOf<{ hour: string; trigger: string }>(calls, 'startImport');
    expect(starts.map((s) => s.hour).sort()).toEqual([h0, h2, h3]);
    expect(new Set(starts.map((s) => s.trigger))).toEqual(new Set(['backfill']));
  });

  test.each([0, BACKFILL_CONCURRENCY.max + 1, 2.5])(
    'a concurrency of %p is refused as InvalidBackfill before anything is planned',
    async (concurrency) => {
      const from = freshHour();
      const { activities, calls } = stubActivities();
      const failure = await world.withWorker(activities, () =>
        failureOf(
          startBackfill(world.client, config(), {
            from,
            to: addHours(from, 1),
            only: 'all',
            concurrency,
          }).then((handle) => handle.result()),
        ),
      );
      expect(failure).toEqual({
        type: INVALID_BACKFILL,
        message: `concurrency must be a whole number from 1 to 16, got ${concurrency}`,
      });
      expect(calls).toEqual([]);
    },
  );

  test('a child that fails is reported with its reason; the other hours are still recomputed', async () => {
    const from = freshHour();
    const hours = range(from, 3);
    const { activities } = stubActivities({
      planBackfill: () => ({ planned: hours, noLandedData: [], skipped: [] }),
      fetchSource: (input) => {
        if (input.hour === hours[1]) throw nonRetryable('HTTP 404 from the partner API');
        return fetched(input.source, 2);
      },
    });
    const result = await world.withWorker(activities, async () =>
      (await startBackfill(world.client, config(), { from, to: addHours(from, 2), only: 'all' })).result(),
    );
    expect([...result.done].sort()).toEqual([hours[0], hours[2]]);
    expect(result.failed).toEqual([
      { hour: hours[1], error: 'source failed: partner-api: HTTP 404 from the partner API' },
    ]);
  });

  test('hours the selection leaves alone are reported as skipped, and nothing is started for them', async () => {
    const from = freshHour();
    const hours = range(from, 2);
    const { activities, calls } = stubActivities({
      planBackfill: () => ({ planned: [], noLandedData: [], skipped: hours }),
    });
    const result = await world.withWorker(activities, async () =>
      (
        await startBackfill(world.client, config(), { from, to: addHours(from, 1), only: 'missing' })
      ).result(),
    );
    expect(result).toEqual({ planned: [], noLandedData: [], skipped: hours, done: [], failed: [] });
    expect(inputsOf(calls, 'startImport')).toEqual([]);
  });

  test(`more than ${MAX_BACKFILL_HOURS} planned hours fail the backfill before any import starts`, async () => {
    const from = freshHour();
    const { activities, calls } = stubActivities({
      planBackfill: () => ({ planned: range(from, MAX_BACKFILL_HOURS + 1), noLandedData: [], skipped: [] }),
    });
    const failure = await world.withWorker(activities, async () =>
      failureOf(
        (await startBackfill(world.client, config(), { from, to: addHours(from, 1), only: 'all' })).result(),
      ),
    );
    expect(failure.message).toBe(`a backfill covers at most ${MAX_BACKFILL_HOURS} hours; split the range`);
    expect(inputsOf(calls, 'startImport')).toEqual([]);
  });

  test('its progress can be queried while it runs, and no more hours run at once than asked', async () => {
    const from = freshHour();
    const hours = range(from, 3);
    let running = 0;
    let mostAtOnce = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { activities } = stubActivities({
      planBackfill: () => ({ planned: hours, noLandedData: [], skipped: [] }),
      fetchSource: async (input) => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        if (input.hour === hours[0]) await released;
        running -= 1;
        return fetched(input.source, 1);
      },
    });
    const { progress, result } = await world.withWorker(activities, async () => {
      const handle = await startBackfill(world.client, config(), {
        from,
        to: addHours(from, 2),
        only: 'all',
        concurrency: 1,
      });
      // The first hour is held open: the backfill has planned all three and finished none.
      // The query fails until the workflow has planned and set its handler.
      let seen = await handle.query(backfillProgress).catch(() => undefined);
      while (seen === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        seen = await handle.query(backfillProgress).catch(() => undefined);
      }
      release();
      return { progress: seen, result: await handle.result() };
    });
    expect(progress.planned).toEqual(hours);
    expect(progress.done.length).toBeLessThan(hours.length);
    expect(result.done).toEqual(hours);
    expect(mostAtOnce).toBe(1);
  });
});

/**
 * A source's hour in parts (workflows/parts.ts): each part landed once by its own activity, at most
 * PARTS_CONCURRENCY at once; a cursor chain fetched page after page while the pages fetched are
 * landed; a part that fails fails its source, and no other part is asked for again.
 */
describe('hourlyImport in parts', () => {
  const objects = (count: number): PartTask[] =>
    Array.from({ length: count }, (_, i) => ({
      id: `part-${i + 1}.json`,
      locator: `h/part-${i + 1}.json`,
      key: `object:h/part-${i + 1}.json:${'0'.repeat(64)}`,
      batchKey: `object:h/part-${i + 1}.json:${'0'.repeat(64)}`,
    }));
  const page = (n: number, chain = true): PartTask => ({
    id: `page-${n}`,
    locator: `/readings?page=${n}`,
    batchKey: `pull:h#page-${n}`,
    page: n,
    ...(chain ? { chain: true } : {}),
  });
  const partIds = (inputs: PartInput[]) => inputs.map((input) => input.part.id);
  const pageIds = (count: number) => Array.from({ length: count }, (_, i) => `page-${i + 1}`);

  test('every part is landed once by its own activity, never more than PARTS_CONCURRENCY at once', async () => {
    const hour = freshHour();
    let running = 0;
    let most = 0;
    const { activities, calls } = stubActivities({
      sources: ['object-drop', 'partner-api'],
      parts: { sources: ['object-drop'], concurrency: 4 },
      listParts: (input) => ({ source: input.source, parts: objects(20), ignored: [] }),
      landPart: async (input) => {
        running += 1;
        most = Math.max(most, running);
        // Held a moment, so that the workflow has the chance to start more than it should.
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
        return fetched(input.source, 10);
      },
    });
    const summary = await world.withWorker(activities, () => runImport(world.client, config(), hour));
    expect(summary.status).toBe('succeeded');
    expect(summary.totals.fetched).toBe(20 * 10 + 10);
    expect(inputsOf(calls, 'listParts')).toEqual([
      { hour: formatHour(hour), runId: summary.runId, source: 'object-drop', refetch: false },
    ]);
    expect(partIds(inputsOf<PartInput>(calls, 'landPart')).sort()).toEqual(
      objects(20)
        .map((p) => p.id)
        .sort(),
    );
    expect(most).toBeLessThanOrEqual(4);
    // The source not in parts is fetched as before, in one activity; nothing fetched the listed parts.
    expect(inputsOf(calls, 'fetchSource')).toEqual([expect.objectContaining({ source: 'partner-api' })]);
    expect(inputsOf(calls, 'fetchPart')).toEqual([]);
  });

  test('a cursor chain: pages fetched one after the other, each landed while the next is fetched', async () => {
    const hour = freshHour();
    let firstLanded: () => void = () => undefined;
    const landing = new Promise<void>((resolve) => (firstLanded = resolve));
    const { activities, calls } = stubActivities({
      sources: ['partner-api'],
      parts: { sources: ['partner-api'], concurrency: 8 },
      listParts: (input) => ({ source: input.source, parts: [page(1)], ignored: [] }),
      fetchPart: async (input) => {
        const n = input.part.page ?? 0;
        // The last page waits for page 1's landing to have begun: pages land while the chain goes on.
        if (n === 5) await landing;
        return { next: n < 5 ? [page(n + 1)] : [] };
      },
      landPart: (input) => {
        if (input.part.page === 1) firstLanded();
        return fetched(input.source, 3);
      },
    });
    const summary = await world.withWorker(activities, () => runImport(world.client, config(), hour));
    expect(summary.totals.fetched).toBe(15);
    expect(partIds(inputsOf<PartInput>(calls, 'fetchPart'))).toEqual(pageIds(5));
    expect(partIds(inputsOf<PartInput>(calls, 'landPart')).sort()).toEqual(pageIds(5));
  });

  test('numbered pages: page 1 gives the others, which are landed directly, in parallel', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      sources: ['partner-api'],
      parts: { sources: ['partner-api'], concurrency: 8 },
      listParts: (input) => ({ source: input.source, parts: [page(1)], ignored: [] }),
      fetchPart: () => ({ next: [2, 3, 4].map((n) => ({ ...page(n, false), of: 4 })) }),
    });
    const summary = await world.withWorker(activities, () => runImport(world.client, config(), hour));
    expect(summary.totals.fetched).toBe(40);
    expect(partIds(inputsOf<PartInput>(calls, 'fetchPart'))).toEqual(['page-1']);
    // Page 1 is landed knowing the hour's page count, which sizes a new hour's buckets.
    expect(inputsOf<PartInput>(calls, 'landPart').map((input) => input.part.of)).toEqual([4, 4, 4, 4]);
    expect(partIds(inputsOf<PartInput>(calls, 'landPart')).sort()).toEqual(pageIds(4));
  });

  test('a part that fails fails its source, after the others ended; no other part is landed twice', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      sources: ['object-drop'],
      parts: { sources: ['object-drop'], concurrency: 3 },
      listParts: (input) => ({ source: input.source, parts: objects(8), ignored: [] }),
      landPart: (input) => {
        if (input.part.id === 'part-5.json')
          throw nonRetryable('object-drop: s3://drop/h/part-5.json is not the part its manifest lists');
        return fetched(input.source, 1);
      },
    });
    const failure = await failureOf(
      world.withWorker(activities, () => runImport(world.client, config(), hour)),
    );
    expect(failure.type).toBe(SOURCE_FAILED);
    expect(failure.message).toContain('part-5.json is not the part its manifest lists');
    const landed = partIds(inputsOf<PartInput>(calls, 'landPart'));
    expect(landed.sort()).toEqual(
      objects(8)
        .map((p) => p.id)
        .sort(),
    );
  });

  test('a source landed by another run is not listed again: its summary is the plan’s', async () => {
    const hour = freshHour();
    const { activities, calls } = stubActivities({
      sources: ['object-drop'],
      parts: { sources: ['object-drop'], concurrency: 3 },
      listParts: (input) => ({
        source: input.source,
        parts: [],
        ignored: [],
        summary: fetched(input.source, 42, { reusedLanded: true, batches: 6 }),
      }),
    });
    const summary = await world.withWorker(activities, () => runImport(world.client, config(), hour));
    expect(summary.totals.fetched).toBe(42);
    expect(inputsOf(calls, 'landPart')).toEqual([]);
  });
});
