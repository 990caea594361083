/**
 * The Temporal worker: polls the task queue, runs the hourly import workflow and its activities.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config';
import { createActivities, type ActivityDeps } from '../activities';

export interface PipelineWorkerOptions {
  connection: NativeConnection;
  config: Pick<Config, 'temporal'>;
  deps: ActivityDeps;
  /** A pre-built workflow bundle (tests build one per run); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  taskQueue?: string;
  /** Activities this worker runs at once (the SDK's default otherwise). */
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createPipelineWorker(options: PipelineWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.config.temporal.namespace,
    taskQueue: options.taskQueue ?? options.config.temporal.taskQueue,
    activities: createActivities(options.deps),
    ...(options.maxConcurrentActivityTaskExecutions === undefined
      ? {}
      : { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions }),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
  });
}

export async function connectWorker(config: Pick<Config, 'temporal'>): Promise<NativeConnection> {
  return NativeConnection.connect({ address: config.temporal.address });
}

/** Keeps the SDK to warnings and errors: its per-state INFO lines drown the operator's output. */
export function installWorkerRuntime(level: 'WARN' | 'INFO' = 'WARN'): void {
  Runtime.install({ logger: new DefaultLogger(level) });
}
