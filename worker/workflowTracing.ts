/**
 * Workflow interceptor (bundled with the workflows, after the OpenTelemetry interceptors of
 * @temporalio/interceptors-opentelemetry, whose workflow span is then the active one): the import
 * hour as an attribute of an import workflow's span, and in a header of each activity it schedules
 * (IMPORT_HOUR_HEADER), which the worker puts on the activity's span (worker/activityContext.ts).
 * The hour is the one the workflow imports (resolveImportHour: given, or the schedule's nominal
 * time), so a run triggered off the hour has it too. Deterministic: attributes and headers only.
 */
import { trace } from '@opentelemetry/api';
import { defaultPayloadConverter, workflowInfo, type WorkflowInterceptors } from '@temporalio/workflow';
import { formatHour } from '../core/importHour';
import { resolveImportHour } from '../workflows/resolveImportHour';
import { IMPORT_HOUR_ATTRIBUTE, IMPORT_HOUR_HEADER } from './tracingNames';

export function interceptors(): WorkflowInterceptors {
  let importHour: string | undefined;
  return {
    inbound: [
      {
        execute(input, next) {
          if (workflowInfo().workflowType === 'hourlyImport') {
            try {
              const given = (input.args[0] as { hour?: string } | undefined)?.hour;
              importHour = formatHour(resolveImportHour(given, workflowInfo()));
            } catch {
              // The workflow itself fails on a bad hour, saying why.
            }
            if (importHour !== undefined)
              trace.getActiveSpan()?.setAttribute(IMPORT_HOUR_ATTRIBUTE, importHour);
          }
          return next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity(input, next) {
          if (importHour === undefined) return next(input);
          return next({
            ...input,
            headers: {
              ...input.headers,
              [IMPORT_HOUR_HEADER]: defaultPayloadConverter.toPayload(importHour),
            },
          });
        },
      },
    ],
  };
}
