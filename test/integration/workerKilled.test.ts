/**
 * Issue 11, case 7, against the real components: a `tempctl worker` process killed (SIGKILL) while
 * its fetchSource activity downloads the partner's answer. The activity stops heartbeating, Temporal
 * times the attempt out on its heartbeat timeout (not the hour-long start-to-close one), a second
 * `tempctl worker` process runs the retry, and the hour's rows equal an independent computation.
 * The partner holds its first answer for longer than the heartbeat timeout, so the kill always falls
 * during the download and the retry calls the partner a second time (nothing was landed yet).
 */
import { decodeTimeoutType } from '@temporalio/common';
import { hourAggregates } from '../../adapters/db/hours';
import { startImport } from '../../client';
import { addHours, truncateToHour, workflowIdForHour } from '../../core/importHour';
import { generateReadings } from '../../sim/generator';
import { expectedAggregates } from '../support/expectations';
import { useWorkerFleet } from '../support/workerFleet';

const HOUR = addHours(truncateToHour(new Date()), -1);
const RECORDS = generateReadings(11, 7, 400, new Date(HOUR.getTime() + 30 * 60_000));

const fleet = useWorkerFleet('tp-killed-', ({ config }) => ({
  SENSOR_API_CONNECT_TIMEOUT_MS: '60000',
  SENSOR_API_TIMEOUT_MS: '60000',
  FETCH_MAX_LAG_HOURS: '48',
  LANDING_STORE_URL: config.landingStoreUrl,
}));
const { startWorker } = fleet;

async function until(what: string, check: () => boolean, limitMs = 60_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a worker killed mid-download: heartbeat timeout, the fetch retried on another worker, exact rows', async () => {
  const { partner, client, config } = fleet;
  const body = JSON.stringify(RECORDS);
  // First call: held for 20 s, twice the heartbeat timeout; later calls answer at once.
  partner.answer({ body, delayMs: 20_000, onRequest: () => partner.answer({ body }) });

  const workerA = await startWorker();
  const handle = await startImport(client, config, HOUR);
  await until('the fetch to call the partner', () => partner.calls >= 1);
  const killedAt = Date.now();
  workerA.kill('SIGKILL');
  const workerB = await startWorker();

  const summary = await handle.result();
  expect(summary).toBeDefined();

  const history = await client.workflow.getHandle(workflowIdForHour(HOUR)).fetchHistory();
  const events = history.events ?? [];
  const fetchScheduled = events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'fetchSource')
    .map((e) => String(e.eventId));
  expect(fetchScheduled).toHaveLength(1);
  const started = events.find(
    (e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === fetchScheduled[0],
  );
  const attrs = started?.activityTaskStartedEventAttributes;
  // History keeps the last attempt's start; the failed attempt is its lastFailure.
  expect(attrs?.attempt).toBeGreaterThanOrEqual(2);
  expect(decodeTimeoutType(attrs?.lastFailure?.timeoutFailureInfo?.timeoutType)).toBe('HEARTBEAT');
  expect(attrs?.identity).toContain(`${workerB.pid}@`);
  expect(
    events.some(
      (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === fetchScheduled[0],
    ),
  ).toBe(true);
  // Killed during the download: nothing was landed, so the retry asked the partner again.
  expect(partner.calls).toBe(2);

  const startedAt = Number(started?.eventTime?.seconds ?? 0) * 1000;
  console.log(
    `worker A killed; the fetch's retry started on worker B ${((startedAt - killedAt) / 1000).toFixed(1)} s later (attempt ${attrs?.attempt})`,
  );

  expect(expectedAggregates(RECORDS).length).toBeGreaterThanOrEqual(5);
  await fleet.expectExact(HOUR, RECORDS);
}, 180_000);

test('issue 24: a worker given SIGTERM mid-download of a gzip-declared answer that stalls abandons it and exits; another worker lands the hour, the ledger ends succeeded', async () => {
  const { partner, client, config, database } = fleet;
  const hour = addHours(HOUR, -1);
  const records = generateReadings(12, 7, 300, new Date(hour.getTime() + 30 * 60_000));
  const calls = partner.calls;
  // First call: headers and a first part of the body, declared gzip, then nothing, for longer than
  // the worker's SENSOR_API_TIMEOUT_MS; the next call answers at once.
  partner.answer({
    body: JSON.stringify(records),
    headers: { 'content-encoding': 'gzip' },
    stallAfterBytes: 200,
    onRequest: () => partner.answer({ body: JSON.stringify(records) }),
  });
  const workerA = await startWorker();
  const handle = await startImport(client, config, hour);
  await until('the fetch to call the partner', () => partner.calls > calls);
  const exited = new Promise<number | null>((resolve) => workerA.once('exit', resolve));
  workerA.kill('SIGTERM');
  // It exits by itself (jest's timeout is the only bound here; the SDK's force time is 30 s).
  expect(await exited).toBe(0);

  await startWorker();
  await handle.result();
  expect(partner.calls - calls).toBe(2);
  const runs = await database.db('import_runs').where('import_hour', hour);
  expect(runs.map((r: { status: string }) => r.status)).toEqual(['succeeded']);
  const expected = expectedAggregates(records);
  const rows = await hourAggregates(database.db, hour);
  expect(rows.map((r) => r.numberOfPoints).reduce((a, b) => a + b, 0)).toBe(
    expected.reduce((n, r) => n + r.numberOfPoints, 0),
  );
}, 180_000);
