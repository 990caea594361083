/**
 * Activity interceptor: the context of each activity's log lines (the import hour from the workflow
 * id; the source and the hour worked on from the activity's input), a debug line per completed
 * activity with its duration and an info line per run's end, and each activity's duration in the
 * metrics. Each activity's landing store traffic is measured (`TrafficMeter`): the metrics count it
 * by activity as it happens, and an info line per activity that touched the store gives it with the
 * import hour, which a label would not (one series per hour, forever). The SDK logs failures (warn).
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { importHourOfWorkflowId } from '../core/importHour';
import { defaultPayloadConverter } from '@temporalio/common';
import { trace } from '@opentelemetry/api';
import { IMPORT_HOUR_ATTRIBUTE, IMPORT_HOUR_HEADER } from './tracingNames';
import type { PipelineMetrics } from './metrics';
import { noTraffic, type TrafficMeter } from '../adapters/objectStore/metered';

export function activityObservability(
  metrics: PipelineMetrics | undefined,
  landingTraffic?: TrafficMeter,
): ActivityInterceptorsFactory {
  return (ctx) => {
    const workflowId = ctx.info.workflowExecution?.workflowId;
    const importHour = workflowId === undefined ? undefined : importHourOfWorkflowId(workflowId);
    let fromInput: Record<string, string> = {};
    return {
      inbound: {
        async execute(input, next) {
          fromInput = inputContext(input.args[0]);
          // On the activity's span when tracing is on (OpenTelemetry's interceptor runs before this
          // one): the hour the workflow imports, from its header (worker/workflowTracing.ts).
          const header = input.headers[IMPORT_HOUR_HEADER];
          const hour =
            header === undefined ? importHour : String(defaultPayloadConverter.fromPayload(header));
          if (hour !== undefined) trace.getActiveSpan()?.setAttribute(IMPORT_HOUR_ATTRIBUTE, hour);
          const started = process.hrtime.bigint();
          let outcome = 'failed';
          const traffic = noTraffic();
          try {
            const result =
              landingTraffic === undefined
                ? await next(input)
                : await landingTraffic.measure(ctx.info.activityType, () => next(input), traffic);
            outcome = 'completed';
            return result;
          } finally {
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            metrics?.observeActivity(ctx.info.activityType, outcome, seconds);
            if (traffic.readRequests + traffic.writeRequests > 0)
              ctx.log.info('landing store traffic', { activity: ctx.info.activityType, outcome, ...traffic });
            if (outcome === 'completed') {
              ctx.log.debug('activity completed', { durationMs: Math.round(seconds * 1000) });
              // One line per run at info: the ledger's end, with the run's status.
              if (ctx.info.activityType === 'finishImport')
                ctx.log.info('import run ended', { status: (input.args[0] as { status?: unknown }).status });
            }
          }
        },
      },
      outbound: {
        getLogAttributes(input, next) {
          return next({ ...input, ...(importHour === undefined ? {} : { importHour }), ...fromInput });
        },
      },
    };
  };
}

/** `source` and `hour` from an activity's input object, when it has them as strings. */
function inputContext(arg: unknown): Record<string, string> {
  if (typeof arg !== 'object' || arg === null) return {};
  const context: Record<string, string> = {};
  for (const key of ['source', 'hour'] as const) {
    const value = (arg as Record<string, unknown>)[key];
    if (typeof value === 'string') context[key] = value;
  }
  return context;
}
