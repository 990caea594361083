/**
 * The Temporal worker: polls the task queue, runs the hourly import workflow and its activities.
 */
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { TRACING_OFF, type Tracing } from '../adapters/observability/tracing';
import { tracedDeps } from './tracedDeps';
import type { Config } from '../config';
import { createActivities, type ActivityDeps } from '../activities';
import { temporalConnectionOptions } from '../adapters/temporal/connection';
import type { Logger } from '../adapters/observability/logger';
import { PinoTemporalLogger } from '../adapters/observability/temporalLogger';
import { activityObservability } from './activityContext';
import type { PipelineMetrics } from './metrics';
import { runEndRecorder } from './runEnd';
import type { RepairOutcome } from '../adapters/backup/landedObjects';

import { prebuiltWorkflowBundle, WORKFLOW_INTERCEPTOR_MODULES } from './bundle';

export { WORKFLOW_INTERCEPTOR_MODULES };
import { temporalUnreachable } from '../adapters/temporal/unreachable';

export interface PipelineWorkerOptions {
  connection: NativeConnection;
  config: Pick<Config, 'temporal'>;
  deps: ActivityDeps;
  /**
   * A pre-built workflow bundle (tests build one per run); otherwise the one for the current code
   * in `workflowBundleDir` (worker/bundle.ts), built there first when missing.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  workflowBundleDir?: string;
  taskQueue?: string;
  /** Records each run's end and each activity's duration when given. */
  metrics?: PipelineMetrics;
  /** Logs a run's end when the metrics cannot record it. */
  logger?: Logger;
  /** Activities this worker runs at once (the SDK's default otherwise). */
  maxConcurrentActivityTaskExecutions?: number;
  /** OpenTelemetry traces (adapters/observability/tracing.ts); off when absent. */
  tracing?: Tracing;
}

/**
 * How long a worker told to stop (SIGTERM, SIGINT) waits for its running activities before it
 * gives up on them and exits. Activities are cancelled at once (the SDK's shutdownGraceTime, 0):
 * a download aborts, and only a DuckDB or store step in progress runs on, bounded by this.
 * Temporal retries an abandoned attempt on another worker once its heartbeat stops.
 */
export const SHUTDOWN_FORCE_MS = 30_000;

export async function createPipelineWorker(options: PipelineWorkerOptions): Promise<Worker> {
  const { metrics } = options;
  const tracing = options.tracing ?? TRACING_OFF;
  const tracingOn = tracing !== TRACING_OFF;
  const recorded =
    metrics === undefined
      ? options.deps
      : {
          ...options.deps,
          onRunEnd: runEndRecorder(options.deps.db, metrics, options.logger),
          onLandedRepair: (outcome: RepairOutcome) => metrics.recordLandedRepair(outcome),
        };
  const deps = tracingOn ? tracedDeps(recorded) : recorded;
  if (metrics !== undefined) options.deps.landingTraffic?.listen(metrics.countLandingStore);
  return Worker.create({
    connection: options.connection,
    namespace: options.config.temporal.namespace,
    taskQueue: options.taskQueue ?? options.config.temporal.taskQueue,
    activities: createActivities(deps),
    // The workflow bundle always has OpenTelemetry's workflow interceptors (worker/bundle.ts):
    // their spans come out through this sink, and are dropped when tracing is off.
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
    shutdownForceTime: SHUTDOWN_FORCE_MS,
    interceptors: {
      // OpenTelemetry's first, so that its activity span is the active one inside ours.
      activity: [
        ...(tracingOn
          ? [
              (ctx: Parameters<ReturnType<typeof activityObservability>>[0]) => ({
                inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
                outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
              }),
            ]
          : []),
        activityObservability(metrics, options.deps.landingTraffic),
      ],
      // A pre-built bundle carries them already (worker/bundle.ts; the tests' bundle likewise).
      ...(options.workflowBundle || options.workflowBundleDir
        ? {}
        : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
    },
    ...(options.maxConcurrentActivityTaskExecutions === undefined
      ? {}
      : { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions }),
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : options.workflowBundleDir
        ? { workflowBundle: await prebuiltWorkflowBundle(options.workflowBundleDir) }
        : { workflowsPath: require.resolve('../workflows') }),
  });
}

export async function connectWorker(config: Pick<Config, 'temporal'>): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  } catch (error) {
    throw temporalUnreachable(config.temporal.address, error);
  }
}

/**
 * Routes the SDK's logs, its Rust core's included, through the program's logger, and turns on the
 * SDK's own Prometheus exporter (worker and client metrics: polls, task latencies, slots) on
 * TEMPORAL_METRICS_PORT. Once per process, before any connection.
 */
export function installWorkerRuntime(config: Pick<Config, 'observability'>, logger: Logger): void {
  const level = config.observability.logLevel.toUpperCase() as 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  const port = config.observability.temporalMetricsPort;
  Runtime.install({
    logger: new PinoTemporalLogger(logger),
    telemetryOptions: {
      logging: { filter: { core: level, other: 'ERROR' }, forward: {} },
      // Prometheus' naming conventions (counters end in _total, durations in seconds with the unit).
      ...(port === undefined
        ? {}
        : {
            metrics: {
              prometheus: {
                bindAddress: `0.0.0.0:${port}`,
                countersTotalSuffix: true,
                unitSuffix: true,
                useSecondsForDurations: true,
              },
            },
          }),
    },
  });
}
