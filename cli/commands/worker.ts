/** `tempctl worker`: runs the Temporal worker until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { describeTarget } from '../../adapters/db/connection';
import { loggerFor } from '../../adapters/observability/logger';
import { startTracing } from '../../adapters/observability/tracing';
import { buildRuntime } from '../../worker/runtime';
import { connectWorker, installWorkerRuntime } from '../../worker';
import { createWorkerWithOps } from '../../worker/ops';
import { missingWorkerNodeFlags, WORKER_NODE_FLAGS } from '../../worker/nodeFlags';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the worker: migrates the database, loads the regions, then polls the task queue')
    .action(async () => {
      const config = loadConfig();
      const logger = loggerFor(config);
      installWorkerRuntime(config, logger);
      const missing = missingWorkerNodeFlags(process.execArgv);
      if (missing.length > 0)
        logger.warn(
          { missing },
          `started without ${missing.join(' ')}: large hours run slower (docs/operations.md); start it as \`node ${WORKER_NODE_FLAGS.join(' ')} bin/tempctl.js worker\``,
        );
      const tracing = startTracing(config.observability.tracing);
      const runtime = await buildRuntime(config);
      const connection = await connectWorker(config);
      try {
        const { worker, ops } = await createWorkerWithOps({
          config,
          runtime,
          connection,
          logger,
          metricsPort: config.observability.metricsPort,
          tracing,
        });
        logger.info(
          {
            // The worker's process: the child when `tempctl worker` relaunched itself (worker/relaunch.ts).
            pid: process.pid,
            taskQueue: config.temporal.taskQueue,
            temporal: config.temporal.address,
            database: describeTarget(config.database),
            sources: config.sources,
            regions: runtime.deps.regionsHash.slice(0, 16),
            metrics: ops ? `${ops.url}/metrics` : 'off (METRICS_PORT unset)',
            // The origin only: a URL may carry credentials.
            traces:
              config.observability.tracing.endpoint === undefined
                ? 'off (OTEL_EXPORTER_OTLP_ENDPOINT unset)'
                : new URL(config.observability.tracing.endpoint).origin,
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
        // The spans still in the batch are sent before the process ends.
        await tracing.shutdown();
      }
    });
}
