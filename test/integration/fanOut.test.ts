/**
 * The hour fanned out: two worker processes on one task queue (this test's worker and a
 * `tempctl worker` child process) share one hour's bucket activities, as
 * the workflow history shows; the stored rows are bit-identical to a run on another database with
 * one worker at the default settings, which land an hour this small in one bucket. A correction
 * sent in the next hour recomputes only its bucket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { hourAggregates } from '../../adapters/db/hours';
import { BackupStore, hourFolder } from '../../adapters/backup/store';
import { LocalObjectStore } from '../../adapters/objectStore';
import { storeId } from '../../adapters/db/storeIdentity';
import { runImport } from '../../client';
import { formatHour, truncateToHour, workflowIdForHour } from '../../core/importHour';
import { generateReadings } from '../../sim/generator';
import { startPipeline, TEST_API_KEY, type Pipeline } from '../support/pipeline';
import { startRecordServer, type RecordServer } from '../support/recovery';
import { whenWorkerRunning } from '../support/workerProcess';
import { expectedAggregates } from '../support/expectations';
import { expectSameAggregates } from '../support/served';
import { WORKER_NODE_FLAGS } from '../../worker/nodeFlags';

const NOW = new Date();
const H1 = new Date(truncateToHour(NOW).getTime() - 3_600_000);
const H2 = truncateToHour(NOW);
const records = generateReadings(8, 0, 3_000, new Date(H1.getTime() + 600_000));

let server: RecordServer;
let shared: Pipeline;
let single: Pipeline;
let child: ChildProcess;

function startChildWorker(p: Pipeline): Promise<ChildProcess> {
  const worker = spawn(
    process.execPath,
    [...WORKER_NODE_FLAGS, path.join(__dirname, '../../bin/tempctl.js'), 'worker'],
    {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        SENSOR_API_URL: server.url,
        SENSOR_API_KEY: TEST_API_KEY,
        DATABASE_URL: p.database.url,
        TEMPORAL_ADDRESS: p.config.temporal.address,
        TEMPORAL_NAMESPACE: p.config.temporal.namespace,
        TEMPORAL_TASK_QUEUE: p.config.temporal.taskQueue,
        LANDING_STORE_URL: p.config.landingStoreUrl,
        BACKUP_DIR: p.backupDir,
        HOUR_BUCKETS: '16',
        HOUR_BUCKET_READINGS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return whenWorkerRunning(worker, (code) => new Error(`the child worker exited with ${code}`));
}

/** (hour, bucket) of every aggregateBucket the import of `hour` ran, with the worker that ran it. */
async function bucketActivities(client: Client, hour: Date) {
  const history = await client.workflow.getHandle(workflowIdForHour(hour)).fetchHistory();
  const inputs = new Map<string, { hour: string; bucket: number }>();
  const runs: { hour: string; bucket: number; worker: string }[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'aggregateBucket') {
      const data = scheduled.input?.payloads?.[0]?.data;
      inputs.set(
        String(event.eventId),
        JSON.parse(Buffer.from(data ?? []).toString()) as { hour: string; bucket: number },
      );
    }
    const started = event.activityTaskStartedEventAttributes;
    const input = started && inputs.get(String(started.scheduledEventId));
    if (input) runs.push({ ...input, worker: started.identity ?? '?' });
  }
  return runs;
}

/** Every activity the import of `hour` scheduled, with its input, in order. */
async function scheduled(client: Client, hour: Date): Promise<{ name: string; input: unknown }[]> {
  const history = await client.workflow.getHandle(workflowIdForHour(hour)).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const attributes = event.activityTaskScheduledEventAttributes;
    const data = attributes?.input?.payloads?.[0]?.data;
    if (!attributes?.activityType?.name || !data) return [];
    return [
      { name: attributes.activityType.name, input: JSON.parse(Buffer.from(data).toString()) as unknown },
    ];
  });
}

beforeAll(async () => {
  server = await startRecordServer(TEST_API_KEY);
  server.setRecords(records);
  const env = { SENSOR_API_URL: server.url, SENSOR_API_KEY: TEST_API_KEY };
  // Room for more than one activity: held to one, this worker could be busy copying the hour's
  // files (backupObjects) while the child ran every bucket.
  // One bucket per reading, up to 16: the test's few readings still fan out.
  shared = await startPipeline({
    env: { ...env, HOUR_BUCKETS: '16', HOUR_BUCKET_READINGS: '1' },
    maxConcurrentActivities: 4,
  });
  child = await startChildWorker(shared);
  // The defaults (HOUR_BUCKETS 8, HOUR_BUCKET_READINGS 125,000): an hour this small is one bucket.
  single = await startPipeline({ env });
});

afterAll(async () => {
  child?.kill('SIGTERM');
  await shared?.stop();
  await single?.stop();
  await server?.close();
});

test('two worker processes share the hour; rows bit-identical to one worker with one bucket; corrections applied as deltas, the bits of a recompute', async () => {
  await runImport(shared.client, shared.config, H1);
  const runs = await bucketActivities(shared.client, H1);
  expect(new Set(runs.map((r) => r.bucket)).size).toBe(16);
  const perWorker = new Map<string, number>();
  for (const run of runs) perWorker.set(run.worker, (perWorker.get(run.worker) ?? 0) + 1);
  console.log(`16 buckets per worker: ${[...perWorker.values()].join(' + ')}`);
  expect(perWorker.size).toBe(2);

  await runImport(single.client, single.config, H1);
  expect((await bucketActivities(single.client, H1)).map((r) => r.bucket)).toEqual([0]);
  const rows = await hourAggregates(shared.database.db, H1);
  expect(rows.length).toBeGreaterThan(5);
  expect(rows).toEqual(await hourAggregates(single.database.db, H1));

  // H2 carries new readings and corrections of two H1 readings (one moved into another reading's
  // place, so it may change region): H1 is brought up to date by the corrections' deltas, reading
  // none of its buckets again (core/bucketDelta.ts).
  const corrected = { ...records[0]!, temperature: records[0]!.temperature + 3 };
  const moved = { ...records[1]!, lat: records[2]!.lat, lon: records[2]!.lon, temperature: 31.25 };
  server.setRecords([...generateReadings(9, 0, 200, NOW), corrected, moved]);
  const summary = await runImport(shared.client, shared.config, H2);
  expect(summary.recomputedHours).toEqual([formatHour(H1)]);
  const recomputedH1 = (await bucketActivities(shared.client, H2)).filter((r) => r.hour === formatHour(H1));
  expect(recomputedH1).toEqual([]);
  // One activity refreshed H1 (planned, merged, persisted), and H2's backup holds what became of
  // it: no activity per corrected hour.
  const steps = await scheduled(shared.client, H2);
  const inputsOf = (name: string) => steps.filter((s) => s.name === name).map((s) => s.input);
  expect(inputsOf('refreshHours')).toEqual([{ hours: [formatHour(H1)] }]);
  expect(inputsOf('planHour')).toEqual([{ hour: formatHour(H2) }]);
  expect(inputsOf('persistHour')).toEqual([expect.objectContaining({ hour: formatHour(H2) })]);
  expect(inputsOf('backupHour')).toEqual([{ hour: formatHour(H2), corrected: [formatHour(H1)] }]);
  expect(inputsOf('backupHours')).toEqual([]);
  const after = await hourAggregates(shared.database.db, H1);
  expect(after).not.toEqual(rows);
  const sent = records.map((r, i) => (i === 0 ? corrected : i === 1 ? moved : r));
  expectSameAggregates(after, expectedAggregates(sent));
  // H2's newest backup holds H1's corrected rows.
  const backups = new BackupStore(new LocalObjectStore(shared.backupDir));
  const ref = (await backups.listHours(await storeId(shared.database.db))).find(
    (r) => r.folder === hourFolder(H2),
  );
  const backedUp: Record<string, unknown>[] = [];
  if (ref)
    for await (const row of backups.readTable(ref, await backups.readManifest(ref), 'corrected_aggregates'))
      backedUp.push(row);
  expect(backedUp.map((r) => [r.region, r.temperature, r.numberOfPoints]).sort()).toEqual(
    after.map((r) => [r.region, r.temperature, r.numberOfPoints]).sort(),
  );
  // Applied, the deltas are gone: they do not pile up hour after hour.
  const [left] = (await shared.database.db('bucket_deltas').count({ n: '*' })) as { n: string | number }[];
  expect(Number(left?.n)).toBe(0);

  // The same hour computed again from its files, every bucket: the same bits.
  await shared.database.db('hour_partials').where('hour', H1).delete();
  const again = await runImport(shared.client, shared.config, H1);
  expect(again.buckets.computed).toHaveLength(16);
  expect(await hourAggregates(shared.database.db, H1)).toEqual(after);
});
