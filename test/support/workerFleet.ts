/**
 * The shared setup of the tests that kill `tempctl worker` processes (workerKilled,
 * killAfterLastByte): a namespace, a partner stand-in that counts its calls, a migrated PostgreSQL
 * database, a DATA_DIR, a client, and worker processes on one task queue, spawned with the test's
 * settings and stopped at the end. Registers its own jest hooks; the fields are set in beforeAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { hourlyImport } from '../../workflows';
import { hourAggregates } from '../../adapters/db/hours';
import { connectClient, startImport } from '../../client';
import { loadConfig, type Config } from '../../config';
import { WORKER_NODE_FLAGS } from '../../worker/nodeFlags';
import { createMigratedDatabase, createPostgresDatabase, type TestDatabase } from './databases';
import { expectedAggregates } from './expectations';
import { claimNamespace } from './namespaces';
import { startFixedPartner, type FixedPartner } from './partner';
import { TEST_API_KEY } from './pipeline';
import { expectSameAggregates } from './served';
import { whenWorkerRunning } from './workerProcess';

const TEMPCTL = path.join(__dirname, '../../bin/tempctl.js');

export interface WorkerFleet {
  partner: FixedPartner;
  database: TestDatabase;
  config: Config;
  client: Client;
  dataDir: string;
  /** A `tempctl worker` child process on the fleet's task queue, resolved once it runs. */
  startWorker: () => Promise<ChildProcess>;
  /** The hour's stored rows equal the ones computed independently from `records`. */
  expectExact: (hour: Date, records: readonly unknown[]) => Promise<void>;
  /**
   * Starts the hour's import with the partner answering `records`, and SIGKILLs `worker` `afterMs`
   * after its last byte arrived: the whole body is in the worker's download file (DATA_DIR/scratch),
   * not merely sent, since a loaded host may not have read the socket yet. Resolves with the
   * import's handle once it is killed.
   */
  importKillingAfterLastByte: (
    worker: ChildProcess,
    hour: Date,
    records: readonly unknown[],
    afterMs: number,
  ) => Promise<WorkflowHandle<typeof hourlyImport>>;
}

/**
 * @param prefix the DATA_DIR's name prefix
 * @param workerEnv the workers' own settings beyond the partner, database, Temporal and DATA_DIR
 * @param options.empty a database with no schema at all (the workers' first start migrates it)
 */
export function useWorkerFleet(
  prefix: string,
  workerEnv: (fleet: WorkerFleet) => Record<string, string>,
  options: { empty?: boolean } = {},
): WorkerFleet {
  let claim: ReturnType<typeof claimNamespace> | undefined;
  const workers: ChildProcess[] = [];
  const dataDirs = new WeakMap<ChildProcess, string>();
  const fleet = {
    startWorker: () => {
      const env = workerEnv(fleet);
      const worker = spawn(process.execPath, [...WORKER_NODE_FLAGS, TEMPCTL, 'worker'], {
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          SENSOR_API_URL: fleet.partner.url,
          SENSOR_API_KEY: TEST_API_KEY,
          DATABASE_URL: fleet.database.url,
          TEMPORAL_ADDRESS: fleet.config.temporal.address,
          TEMPORAL_NAMESPACE: fleet.config.temporal.namespace,
          TEMPORAL_TASK_QUEUE: fleet.config.temporal.taskQueue,
          DATA_DIR: fleet.dataDir,
          BACKUP_DIR: path.join(fleet.dataDir, 'backups'),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      workers.push(worker);
      dataDirs.set(worker, env.DATA_DIR ?? fleet.dataDir);
      let stderr = '';
      worker.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      return whenWorkerRunning(worker, (code) => new Error(`a worker exited with ${code}: ${stderr}`));
    },
    expectExact: async (hour: Date, records: readonly unknown[]) =>
      expectSameAggregates(await hourAggregates(fleet.database.db, hour), expectedAggregates(records)),
    importKillingAfterLastByte: async (worker, hour, records, afterMs) => {
      const body = JSON.stringify(records);
      let sent = false;
      fleet.partner.answer({ body, onSent: () => (sent = true) });
      const handle = await startImport(fleet.client, fleet.config, hour);
      const scratch = path.join(dataDirs.get(worker) ?? fleet.dataDir, 'scratch');
      const end = Date.now() + 90_000;
      while (!(sent && holdsBody(scratch, Buffer.byteLength(body))) && Date.now() < end)
        await new Promise((resolve) => setTimeout(resolve, 2));
      if (Date.now() >= end) throw new Error(`the worker never held the whole answer under ${scratch}`);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      if (!worker.kill('SIGKILL'))
        throw new Error(`the worker could not be killed ${afterMs} ms after the last byte`);
      return handle;
    },
  } as WorkerFleet;

  beforeAll(async () => {
    const address = process.env.TEST_TEMPORAL_ADDRESS;
    if (!address) throw new Error('run integration tests through jest: its global setup starts Temporal');
    claim = claimNamespace();
    fleet.partner = await startFixedPartner(TEST_API_KEY);
    fleet.database = await (options.empty === true
      ? createPostgresDatabase()
      : createMigratedDatabase(createPostgresDatabase));
    fleet.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fleet.config = loadConfig({
      SENSOR_API_URL: fleet.partner.url,
      SENSOR_API_KEY: TEST_API_KEY,
      DATABASE_URL: fleet.database.url!,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: claim.namespace,
      TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
      DATA_DIR: fleet.dataDir,
    });
    fleet.client = await connectClient(fleet.config);
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGTERM');
    await fleet.client?.connection.close();
    await fleet.partner?.close();
    await fleet.database?.drop();
    if (fleet.dataDir) fs.rmSync(fleet.dataDir, { recursive: true, force: true });
    claim?.release();
  });
  return fleet;
}

/**
 * A download file (scratch/fetch-<uuid>/partner-api-<uuid>.json) or a parked answer
 * (scratch/answers/*.json) of exactly `bytes` bytes is under `scratch`.
 */
function holdsBody(scratch: string, bytes: number): boolean {
  const sizeIs = (file: string) => {
    try {
      return fs.statSync(file).size === bytes;
    } catch {
      return false; // moved or removed between the listing and the stat
    }
  };
  const list = (dir: string) => {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  };
  for (const entry of list(scratch)) {
    const dir = path.join(scratch, entry);
    const files = entry === 'answers' || entry.startsWith('fetch-') ? list(dir) : [];
    if (
      files.some(
        (file) => file.endsWith('.json') && !file.endsWith('.meta.json') && sizeIs(path.join(dir, file)),
      )
    )
      return true;
  }
  return false;
}
