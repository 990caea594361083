/**
 * The archive-scale backfill end to end (workflows/backfillWindow.ts): hours landed by real imports
 * (simulator over HTTP, PostgreSQL, a worker), their aggregates lost, then brought back by the
 * window from the landed readings: the same rows, no partner call, the window continuing as new.
 * It prints what the orchestration cost: each run's events and history size, and one hour's. Then
 * `tempctl backfill` itself: its terminal closed mid-range, the backfill goes on; `--status` lists
 * each hour; the same command again follows the same backfill to its end.
 *
 * `BACKFILL_MEASURE_HOURS=168` measures a week of hours (docs/scaling.md §2.3); CI runs 6. The
 * figures are printed, never asserted (the machine is shared).
 */
import type { Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import { hourAggregates } from '../../adapters/db/hours';
import { backfillWindowProgress, backfillWorkflowId, runImport, startBackfillWindow } from '../../client';
import { addHours, formatHour, truncateToHour, workflowIdForHour } from '../../core/importHour';
import { historySize, runHistorySize, type HistorySize } from '../support/history';
import { runTempctl, startPipeline, type Pipeline } from '../support/pipeline';

const HOURS = Number(process.env.BACKFILL_MEASURE_HOURS ?? 6);
/** Two runs at least however many hours: the chain is what is under test. */
const HOURS_PER_RUN = Math.max(2, Math.ceil(HOURS / 4));
const CONCURRENCY = 4;
const to = addHours(truncateToHour(new Date()), -2);
const from = addHours(to, -(HOURS - 1));
const hours = Array.from({ length: HOURS }, (_, i) => addHours(from, i));

let pipeline: Pipeline;
beforeAll(async () => {
  pipeline = await startPipeline({
    env: { FETCH_MAX_LAG_HOURS: String(HOURS + 24) },
    maxConcurrentActivities: 8,
  });
}, 120_000);
afterAll(() => pipeline?.stop());

/** Every run of the chain, first to last: its events and bytes. */
async function chain(client: Client, workflowId: string, firstRunId: string) {
  const runs: HistorySize[] = [];
  for (let runId: string | undefined = firstRunId; runId;) {
    const history: History = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.push(historySize(history));
    const last: History['events'] extends (infer E)[] | null | undefined ? E | undefined : never =
      history.events?.[history.events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

test(`${HOURS} landed hours recomputed by the window: the same rows, no partner call, ${Math.ceil(HOURS / HOURS_PER_RUN)} runs`, async () => {
  const { client, config, database, simulator } = pipeline;

  const landing = Date.now();
  for (let i = 0; i < hours.length; i += CONCURRENCY)
    await Promise.all(hours.slice(i, i + CONCURRENCY).map((hour) => runImport(client, config, hour)));
  const landed = Date.now() - landing;
  const before = await Promise.all(hours.map((hour) => hourAggregates(database.db, hour)));
  expect(before.every((rows) => rows.length > 0)).toBe(true);

  await database.db('region_hourly_temperature').whereBetween('hour', [from, to]).delete();
  const callsBefore = simulator.calls;
  const started = Date.now();
  const handle = await startBackfillWindow(client, config, {
    from,
    to,
    only: 'all',
    concurrency: CONCURRENCY,
    hoursPerRun: HOURS_PER_RUN,
  });
  const result = await handle.result();
  const took = Date.now() - started;

  expect([...result.done].sort()).toEqual(hours.map(formatHour));
  expect(result.failed).toEqual([]);
  expect(result.run).toBe(Math.ceil(HOURS / HOURS_PER_RUN));
  expect(simulator.calls).toBe(callsBefore);
  expect(await Promise.all(hours.map((hour) => hourAggregates(database.db, hour)))).toEqual(before);

  const runs = await chain(client, handle.workflowId, handle.firstExecutionRunId);
  const hourHistory = await runHistorySize(client, workflowIdForHour(hours[0]!));
  console.log(
    [
      `backfill window: ${HOURS} hours of 300 readings (the test simulator's), concurrency ${CONCURRENCY}, ${HOURS_PER_RUN} hours a run`,
      `  landing them (imports, ${CONCURRENCY} at a time): ${seconds(landed)}, ${(landed / HOURS / 1000).toFixed(2)} s an hour`,
      `  the backfill: ${seconds(took)}, ${(took / HOURS / 1000).toFixed(2)} s an hour, ${(HOURS / (took / 1000)).toFixed(2)} hours/s`,
      `  runs: ${runs.length}; per run ${runs.map((r) => `${r.events} events / ${r.bytes} B`).join(', ')}`,
      `  one recomputed hour (its last run): ${hourHistory.events} events, ${hourHistory.bytes} B, ${hourHistory.activities} activities`,
    ].join('\n'),
  );
}, 900_000);

test('tempctl backfill: the terminal closed mid-range, the backfill goes on; --status lists each hour; the same command again follows it to the end', async () => {
  const { client, database } = pipeline;
  const db = database.db;
  const before = await Promise.all(hours.map((hour) => hourAggregates(db, hour)));
  await db('region_hourly_temperature').whereBetween('hour', [from, to]).delete();
  const range = ['--from', formatHour(from), '--to', formatHour(to), '--only', 'missing'];
  const id = backfillWorkflowId({ from, to, only: 'missing' });
  const handle = client.workflow.getHandle(id);

  // The first hour's import is held at its first write to the run ledger (a table lock in
  // PostgreSQL), so the backfill is mid-range for as long as this test needs.
  const lock = await db.transaction();
  await lock.raw('LOCK TABLE import_runs IN EXCLUSIVE MODE');
  let status: Awaited<ReturnType<typeof runTempctl>>;
  let again: Promise<Awaited<ReturnType<typeof runTempctl>>>;
  try {
    const terminal = new AbortController();
    const first = runTempctl(
      pipeline,
      ['backfill', ...range, '--concurrency', '1'],
      {},
      { signal: terminal.signal },
    );
    while (!(await backfillWindowProgress(handle))?.running.length)
      await new Promise((resolve) => setTimeout(resolve, 200));
    terminal.abort();
    const closed = await first;
    expect(closed.stdout.split('\n')[0]).toBe(
      `backfill started: workflow ${id} (backfillWindow, 100 hours a run)`,
    );

    status = await runTempctl(pipeline, ['backfill', ...range, '--status']);
    let attached!: () => void;
    const saidAttached = new Promise<void>((resolve) => (attached = resolve));
    again = runTempctl(
      pipeline,
      ['backfill', ...range],
      {},
      {
        onStdout: (text) => text.includes('already running') && attached(),
      },
    );
    await saidAttached;
  } finally {
    await lock.commit();
  }
  expect(status.code).toBe(0);
  expect(status.stdout.trim().split('\n')).toEqual([
    expect.stringMatching(new RegExp(`^backfill ${id}: backfillWindow, RUNNING \\(started .+\\)$`)),
    `${formatHour(from)}  running`,
    ...hours.slice(1).map((hour) => `${formatHour(hour)}  pending`),
    `progress: 0/${HOURS} (failed 0, running 1, pending ${HOURS - 1}, run 1)`,
  ]);

  const done = await again;
  const lines = done.stdout.trim().split('\n');
  expect(lines[0]).toMatch(
    new RegExp(
      `^backfill already running since .+: workflow ${id} \\(backfillWindow\\); following it where it is`,
    ),
  );
  expect(lines.slice(-2)).toEqual([`recomputed: ${HOURS} hour(s)`, 'no landed readings (not invented): —']);
  expect(done).toMatchObject({ code: 0 });
  expect(await Promise.all(hours.map((hour) => hourAggregates(db, hour)))).toEqual(before);
}, 300_000);
