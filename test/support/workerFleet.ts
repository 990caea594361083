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
   * after the partner sent the last byte; resolves with the import's handle once it is killed.
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
  const fleet = {
    startWorker: () => {
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
          ...workerEnv(fleet),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      workers.push(worker);
      let stderr = '';
      worker.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      return whenWorkerRunning(worker, (code) => new Error(`a worker exited with ${code}: ${stderr}`));
    },
    expectExact: async (hour: Date, records: readonly unknown[]) =>
      expectSameAggregates(await hourAggregates(fleet.database.db, hour), expectedAggregates(records)),
    importKillingAfterLastByte: async (worker, hour, records, afterMs) => {
      let killed = false;
      fleet.partner.answer({
        body: JSON.stringify(records),
        onSent: () => setTimeout(() => (killed = worker.kill('SIGKILL')), afterMs),
      });
      const handle = await startImport(fleet.client, fleet.config, hour);
      const end = Date.now() + afterMs + 90_000;
      while (!killed && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
      if (!killed) throw new Error(`the worker was not killed ${afterMs} ms after the last byte`);
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
