/**
 * Issue 23, "written with its batch": a `tempctl worker` process SIGKILLed after it put the batch's
 * Parquet files and its version run in the landing store and before the commit that records them.
 * The backup store (SeaweedFS) is reached through a proxy that goes silent once the worker has
 * started, so the landing waits at "back up the answer", between the run's put and the commit: the
 * kill always falls there. A second worker lands the stored answer again. Nothing is lost or
 * doubled: one run recorded for the batch, as many entries as rows landed, the hour's rows exact,
 * and the next hour's corrections and duplicates of its readings found and counted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { hourAggregates } from '../../adapters/db/hours';
import { connectClient, startImport } from '../../client';
import { loadConfig, type Config } from '../../config';
import { addHours, truncateToHour } from '../../core/importHour';
import { generateReadings } from '../../sim/generator';
import { createMigratedDatabase, createPostgresDatabase, type TestDatabase } from '../support/databases';
import { expectedAggregates } from '../support/expectations';
import { claimNamespace } from '../support/namespaces';
import { startFixedPartner, type FixedPartner } from '../support/partner';
import { TEST_API_KEY } from '../support/pipeline';
import { testS3 } from '../support/s3';
import { whenWorkerRunning } from '../support/workerProcess';
import { WORKER_NODE_FLAGS } from '../../worker/nodeFlags';

const TEMPCTL = path.join(__dirname, '../../bin/tempctl.js');
const HOUR = addHours(truncateToHour(new Date()), -2);
const NEXT = addHours(HOUR, 1);
const RECORDS = generateReadings(23, 5, 400, new Date(HOUR.getTime() + 30 * 60_000));

let claim: ReturnType<typeof claimNamespace>;
let partner: FixedPartner;
let database: TestDatabase;
let config: Config;
let client: Client;
let dataDir: string;
let proxy: { port: number; silent: boolean; close(): Promise<void> };
const workers: ChildProcess[] = [];

/** A proxy to SeaweedFS that, while `silent`, forwards nothing in either direction: requests hang. */
async function startSilenceableProxy(host: string, port: number) {
  const sockets = new Set<net.Socket>();
  const state = { silent: false };
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (chunk) => state.silent || upstream.write(chunk));
    upstream.on('data', (chunk) => state.silent || client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get silent() {
      return state.silent;
    },
    set silent(value: boolean) {
      state.silent = value;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function startWorker(): Promise<ChildProcess> {
  const { bucket } = testS3();
  const worker = spawn(process.execPath, [...WORKER_NODE_FLAGS, TEMPCTL, 'worker'], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      SENSOR_API_URL: partner.url,
      SENSOR_API_KEY: TEST_API_KEY,
      FETCH_MAX_LAG_HOURS: '48',
      VERSION_INDEX: 'on',
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: config.temporal.address,
      TEMPORAL_NAMESPACE: config.temporal.namespace,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      DATA_DIR: dataDir,
      LANDING_STORE_URL: path.join(dataDir, 'landing'),
      BACKUP_DIR: `s3://${bucket}/t-killed-${randomBytes(4).toString('hex')}`,
      S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
      S3_ACCESS_KEY_ID: process.env.TEST_S3_ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: process.env.TEST_S3_SECRET_ACCESS_KEY,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(worker);
  let stderr = '';
  worker.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return whenWorkerRunning(worker, (code) => new Error(`a worker exited with ${code}: ${stderr}`));
}

/** The files under the landing folder whose key starts with `prefix` (below the store id). */
function landed(prefix: string): string[] {
  const root = path.join(dataDir, 'landing');
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter(
    (name) =>
      name.split(path.sep).slice(1).join('/').startsWith(prefix) &&
      fs.statSync(path.join(root, name)).isFile(),
  );
}

async function until(what: string, check: () => boolean, limitMs = 120_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('run integration tests through jest: its global setup starts Temporal');
  claim = claimNamespace();
  partner = await startFixedPartner(TEST_API_KEY);
  database = await createMigratedDatabase(createPostgresDatabase);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-index-killed-'));
  const endpoint = new URL(process.env.TEST_S3_ENDPOINT!);
  proxy = await startSilenceableProxy(endpoint.hostname, Number(endpoint.port));
  config = loadConfig({
    SENSOR_API_URL: partner.url,
    SENSOR_API_KEY: TEST_API_KEY,
    DATABASE_URL: database.url!,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: claim.namespace,
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
    DATA_DIR: dataDir,
  });
  client = await connectClient(config);
});

afterAll(async () => {
  for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGTERM');
  await client?.connection.close();
  await partner?.close();
  await proxy?.close();
  await database?.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  claim?.release();
});

test('killed between the version run and the commit: the retry lands the batch once, with one run, and the next hour finds its readings', async () => {
  partner.answer({ body: JSON.stringify(RECORDS) });
  const workerA = await startWorker();
  proxy.silent = true;
  const handle = await startImport(client, config, HOUR);
  await until('the version run put in the landing store', () => landed('versions/').length > 0);
  workerA.kill('SIGKILL');
  // Killed after the put and before the commit: files and run are stored, nothing is recorded.
  expect(landed('landing/').length).toBeGreaterThan(0);
  expect(await database.db('fetch_batches').where('import_hour', HOUR)).toEqual([]);
  expect(await database.db('version_runs')).toEqual([]);

  proxy.silent = false;
  await startWorker();
  const summary = await handle.result();
  expect(summary.status).toBe('succeeded');
  expect(partner.calls).toBe(1);

  const batches = (await database.db('fetch_batches').where('import_hour', HOUR)) as { batch_id: number }[];
  expect(batches).toHaveLength(1);
  const runs = (await database.db('version_runs')) as { entries: string }[];
  expect(runs).toHaveLength(1);
  const rows = await database
    .db('landed_files')
    .where('batch_id', batches[0]!.batch_id)
    .sum({ n: 'rows' })
    .first();
  expect(Number(runs[0]!.entries)).toBe(Number(rows?.n));
  expect(Number(runs[0]!.entries)).toBe(RECORDS.length);

  const expected = expectedAggregates(RECORDS);
  const got = [...(await hourAggregates(database.db, HOUR))].sort((a, b) =>
    a.region.localeCompare(b.region, 'fr'),
  );
  expect(got.map((r) => [r.region, r.numberOfPoints])).toEqual(
    expected.map((r) => [r.region, r.numberOfPoints]),
  );

  // The next hour: 5 corrections and 3 duplicates of the killed hour's readings, 10 new ones.
  const fresh = generateReadings(23, 6, 10, new Date(NEXT.getTime() + 30 * 60_000));
  const corrected = RECORDS.slice(0, 5).map((r) => ({ ...r, temperature: r.temperature + 0.5 }));
  partner.answer({ body: JSON.stringify([...fresh, ...corrected, ...RECORDS.slice(5, 8)]) });
  const next = await (await startImport(client, config, NEXT)).result();
  expect(next.status).toBe('succeeded');
  const [landing] = (await database.db('fetch_batches').where('import_hour', NEXT).select('summary')) as {
    summary: { valid: number; duplicates: number; corrections: number; correctedHours: string[] };
  }[];
  expect([landing?.summary.valid, landing?.summary.duplicates, landing?.summary.corrections]).toEqual([
    15, 3, 5,
  ]);
  expect(landing?.summary.correctedHours).toEqual([HOUR.toISOString()]);
}, 300_000);
