/**
 * A real pipeline for end-to-end tests: the shared Temporal dev server, a worker on its own task
 * queue with the run's workflow bundle, a fresh PostgreSQL database, the sensor simulator over
 * loopback HTTP and a temporary backup folder. Nothing is mocked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { connectClient } from '../../client';
import { loadConfig, type Config } from '../../config';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../sim/server';
import { buildRuntime, type WorkerRuntime } from '../../worker/runtime';
import { connectWorker, createPipelineWorker } from '../../worker';
import { createDatabase } from '../../adapters/db/connection';
import { createMigratedDatabase, createPostgresDatabase, type TestDatabase } from './databases';
import { claimNamespace } from './namespaces';
import { PipelineMetrics } from '../../worker/metrics';

export const TEST_API_KEY = 'test-key-9f3a1c77d2';

export interface Pipeline {
  config: Config;
  client: Client;
  database: TestDatabase;
  simulator: RunningSimulator;
  runtime: WorkerRuntime;
  worker: Worker;
  backupDir: string;
  /** The worker's metrics, when asked for (`metrics: true`). */
  metrics?: PipelineMetrics;
  stop(): Promise<void>;
}

export interface PipelineOptions {
  simulator?: Partial<SimulatorOptions>;
  /** Extra environment settings, e.g. SOURCES or CORRECTION_STRATEGY. */
  env?: Record<string, string>;
  /** The worker reaches its database through this URL instead (e.g. a proxy that can be cut). */
  workerDatabaseUrl?: (url: string) => Promise<string>;
  /** Activities the in-process worker runs at once. */
  maxConcurrentActivities?: number;
  /** Run on this database (e.g. one just restored) instead of a fresh one; dropped at stop(). */
  database?: TestDatabase;
  /** Give the worker its metrics (worker/metrics.ts), read back through `Pipeline.metrics`. */
  metrics?: boolean;
}

export async function startPipeline(options: PipelineOptions = {}): Promise<Pipeline> {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  const bundlePath = process.env.TEST_WORKFLOW_BUNDLE;
  if (!address || !bundlePath)
    throw new Error('run integration tests through jest: its global setup starts Temporal');

  const claim = claimNamespace();
  const simulator = await startSimulator({
    seed: 1,
    apiKey: TEST_API_KEY,
    readingsPerCall: 300,
    ...options.simulator,
  });
  const database = options.database ?? (await createMigratedDatabase(createPostgresDatabase));
  const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-backup-'));
  const config = loadConfig({
    SENSOR_API_URL: simulator.url,
    SENSOR_API_KEY: TEST_API_KEY,
    SENSOR_API_TIMEOUT_MS: '3000',
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: claim.namespace,
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
    BACKUP_DIR: backupDir,
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tp-data-')),
    ...options.env,
  });
  const workerUrl = options.workerDatabaseUrl ? await options.workerDatabaseUrl(database.url!) : undefined;
  const workerConfig = workerUrl ? { ...config, database: { ...config.database, url: workerUrl } } : config;
  const workerDb = workerUrl ? createDatabase(workerConfig.database) : database.db;
  // The vendored polygons' geometry is checked once by test/unit/regionGeometry.test.ts.
  const runtime = await buildRuntime(workerConfig, { db: workerDb, skipGeometryCheck: true });
  const workerConnection = await connectWorker(config);
  const metrics =
    options.metrics === true
      ? new PipelineMetrics(
          runtime.deps.regionIndex.regions.map((region) => region.name),
          config.quality.rejectedShare.max,
        )
      : undefined;
  const worker = await createPipelineWorker({
    metrics,
    connection: workerConnection,
    config,
    deps: runtime.deps,
    workflowBundle: { codePath: bundlePath },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities,
  });
  const running = worker.run();
  const client = await connectClient(config);

  return {
    config,
    client,
    database,
    simulator,
    runtime,
    worker,
    backupDir,
    metrics,
    stop: async () => {
      worker.shutdown();
      await running;
      await workerConnection.close();
      await client.connection.close();
      await runtime.close();
      if (workerDb !== database.db) await workerDb.destroy();
      await simulator.close();
      await database.drop();
      fs.rmSync(backupDir, { recursive: true, force: true });
      claim.release();
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `tempctl` (bin/tempctl.js) as a separate process against the pipeline's services. */
export async function runTempctl(
  pipeline: Pipeline,
  args: string[],
  env: Record<string, string> = {},
  /** `signal` aborted kills the process (SIGTERM), as a closed terminal would; `onStdout` sees its output as it comes. */
  watch: { signal?: AbortSignal; onStdout?: (text: string) => void } = {},
): Promise<CliResult> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [path.join(__dirname, '../../bin/tempctl.js'), ...args],
      {
        signal: watch.signal,
        env: {
          ...process.env,
          // jest's VM flag is not for the CLI process.
          NODE_OPTIONS: '',
          SENSOR_API_URL: pipeline.simulator.url,
          SENSOR_API_KEY: TEST_API_KEY,
          DATABASE_URL: pipeline.database.url,
          TEMPORAL_ADDRESS: pipeline.config.temporal.address,
          TEMPORAL_NAMESPACE: pipeline.config.temporal.namespace,
          TEMPORAL_TASK_QUEUE: pipeline.config.temporal.taskQueue,
          BACKUP_DIR: pipeline.backupDir,
          // The CLI sees the landing store the pipeline's worker writes (`backup verify` checks it).
          LANDING_STORE_URL: pipeline.config.landingStoreUrl,
          ...env,
        },
      },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
    if (watch.onStdout) child.stdout?.on('data', (chunk: Buffer) => watch.onStdout?.(chunk.toString()));
  });
}
