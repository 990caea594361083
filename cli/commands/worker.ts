/** `tempctl worker`: runs the Temporal worker until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { describeTarget } from '../../adapters/db/connection';
import { loggerFor } from '../../adapters/observability/logger';
import { buildRuntime } from '../../worker/runtime';
import { connectWorker, createPipelineWorker, installWorkerRuntime } from '../../worker';
import { createMetrics, startWorkerOps } from '../../worker/ops';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the worker: migrates the database, loads the regions, then polls the task queue')
    .action(async () => {
      const config = loadConfig();
      const logger = loggerFor(config);
      installWorkerRuntime(config, logger);
      const runtime = await buildRuntime(config);
      const connection = await connectWorker(config);
      const port = config.observability.metricsPort;
      try {
        const metrics = port === undefined ? undefined : createMetrics(config, runtime);
        const worker = await createPipelineWorker({
          connection,
          config,
          deps: runtime.deps,
          workflowBundleDir: config.pipeline.workflowBundleDir,
          metrics,
          logger,
        });
        const ops =
          metrics && port !== undefined
            ? await startWorkerOps({ port, metrics, runtime, worker, connection, logger })
            : undefined;
        logger.info(
          {
            taskQueue: config.temporal.taskQueue,
            temporal: config.temporal.address,
            database: describeTarget(config.database),
            sources: config.sources,
            regions: runtime.deps.regionsHash.slice(0, 16),
            metrics: ops ? `${ops.url}/metrics` : 'off (METRICS_PORT unset)',
          },
          'worker started',
        );
        try {
          await worker.run();
        } finally {
          await ops?.close();
        }
      } finally {
        await connection.close();
        await runtime.close();
      }
    });
}
