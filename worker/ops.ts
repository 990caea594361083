/**
 * What an operator sees of a running worker: the metrics and the health endpoints on METRICS_PORT
 * (none when unset), the state gauges read from the database at each scrape.
 */
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Config } from '../config';
import { ConfigError } from '../core/errors';
import type { Logger } from '../adapters/observability/logger';
import type { Tracing } from '../adapters/observability/tracing';
import { createPipelineWorker } from './index';
import { PipelineMetrics } from './metrics';
import { readPipelineState } from '../adapters/observability/state';
import { startOpsServer, type OpsServer } from './opsServer';
import type { WorkerRuntime } from './runtime';

export interface WorkerWithOpsOptions {
  config: Config;
  runtime: WorkerRuntime;
  connection: NativeConnection;
  logger: Logger;
  /** Where the metrics and health endpoints listen (0: a free port); none, and no metrics, when undefined. */
  metricsPort: number | undefined;
  /** OpenTelemetry traces; off when absent. */
  tracing?: Tracing;
}

export interface WorkerWithOps {
  worker: Worker;
  ops?: OpsServer;
}

/**
 * The pipeline's worker (`tempctl worker`, the demo) and, on `metricsPort`, its metrics and health
 * endpoints, listening before the worker runs. The caller runs the worker and closes `ops`.
 */
export function createWorkerWithOps(
  options: WorkerWithOpsOptions & { metricsPort: number },
): Promise<Required<WorkerWithOps>>;
export function createWorkerWithOps(options: WorkerWithOpsOptions): Promise<WorkerWithOps>;
export async function createWorkerWithOps(options: WorkerWithOpsOptions): Promise<WorkerWithOps> {
  const { config, runtime, connection, logger, metricsPort: port } = options;
  const metrics = port === undefined ? undefined : createMetrics(config, runtime);
  let worker: Worker | undefined;
  // Listening before the worker exists: a port already taken stops the start, naming the setting,
  // before any worker holds the connection (one that never ran would keep it from closing).
  const ops =
    metrics && port !== undefined
      ? await startWorkerOps({ port, metrics, runtime, worker: () => worker, connection, logger })
      : undefined;
  try {
    worker = await createPipelineWorker({
      connection,
      config,
      deps: runtime.deps,
      workflowBundleDir: config.pipeline.workflowBundleDir,
      metrics,
      logger,
      ...(options.tracing === undefined ? {} : { tracing: options.tracing }),
    });
  } catch (error) {
    await ops?.close();
    throw error;
  }
  return { worker, ops };
}

/** The worker's metrics when METRICS_PORT (or, for the demo, a port of its own) asks for them. */
function createMetrics(config: Config, runtime: WorkerRuntime): PipelineMetrics {
  return new PipelineMetrics(
    runtime.deps.regionIndex.regions.map((region) => region.name),
    config.quality.rejectedShare.max,
  );
}

async function startWorkerOps(options: {
  port: number;
  metrics: PipelineMetrics;
  runtime: WorkerRuntime;
  /** The worker once created (not yet while the server starts). */
  worker: () => Worker | undefined;
  connection: NativeConnection;
  logger: Logger;
}): Promise<OpsServer> {
  const { deps } = options.runtime;
  const server = startOpsServer({
    port: options.port,
    metrics: options.metrics,
    logger: options.logger,
    refreshState: async () =>
      options.metrics.setState(await readPipelineState(deps.db, deps.backupStore, deps.now())),
    readiness: [
      [
        'worker',
        () => {
          const state = options.worker()?.getState() ?? 'starting';
          return state === 'RUNNING' ? Promise.resolve() : Promise.reject(new Error(`worker is ${state}`));
        },
      ],
      ['temporal', async () => void (await options.connection.healthService.check({}))],
      ['database', async () => void (await deps.db.raw('select 1'))],
    ],
  });
  return server.catch((error: unknown) => {
    throw new ConfigError('METRICS_PORT', `cannot listen on ${options.port}: ${(error as Error).message}`);
  });
}
