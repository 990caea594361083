/** `tempctl worker`: runs the Temporal worker until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { describeTarget } from '../../adapters/db/connection';
import { buildRuntime } from '../../worker/runtime';
import { connectWorker, createPipelineWorker, installWorkerRuntime } from '../../worker';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run the worker: migrates the database, loads the regions, then polls the task queue')
    .action(async () => {
      const config = loadConfig();
      installWorkerRuntime();
      const runtime = await buildRuntime(config);
      const connection = await connectWorker(config);
      try {
        const worker = await createPipelineWorker({ connection, config, deps: runtime.deps });
        console.log(
          `worker: task queue ${config.temporal.taskQueue} on ${config.temporal.address}, ` +
            `database ${describeTarget(config.database)}, sources ${config.sources.join(', ')}, ` +
            `regions ${runtime.deps.regionsHash.slice(0, 16)}`,
        );
        await worker.run();
      } finally {
        await connection.close();
        await runtime.close();
      }
    });
}
