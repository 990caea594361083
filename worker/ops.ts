/**
 * What an operator sees of a running worker: the metrics and the health endpoints on METRICS_PORT
 * (none when unset), the state gauges read from the database at each scrape.
 */
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Config } from '../config';
import type { Logger } from '../adapters/observability/logger';
import { PipelineMetrics } from './metrics';
import { readPipelineState } from '../adapters/observability/state';
import { startOpsServer, type OpsServer } from './opsServer';
import type { WorkerRuntime } from './runtime';

/** The worker's metrics when METRICS_PORT (or, for the demo, a port of its own) asks for them. */
export function createMetrics(config: Config, runtime: WorkerRuntime): PipelineMetrics {
  return new PipelineMetrics(
    runtime.deps.regionIndex.regions.map((region) => region.name),
    config.quality.rejectedShare.max,
  );
}

export async function startWorkerOps(options: {
  port: number;
  metrics: PipelineMetrics;
  runtime: WorkerRuntime;
  worker: Worker;
  connection: NativeConnection;
  logger: Logger;
}): Promise<OpsServer> {
  const { deps } = options.runtime;
  return startOpsServer({
    port: options.port,
    metrics: options.metrics,
    logger: options.logger,
    refreshState: async () =>
      options.metrics.setState(await readPipelineState(deps.db, deps.backupStore, deps.now())),
    readiness: [
      [
        'worker',
        () => {
          const state = options.worker.getState();
          return state === 'RUNNING' ? Promise.resolve() : Promise.reject(new Error(`worker is ${state}`));
        },
      ],
      ['temporal', async () => void (await options.connection.healthService.check({}))],
      ['database', async () => void (await deps.db.raw('select 1'))],
    ],
  });
}
