/**
 * The Temporal SDK's Logger interface on top of pino, so that the SDK's lines (worker, workflows,
 * activities and, forwarded, the Rust core) come out of the program's one logger, with the same
 * field names as ours: `runId` (the SDK says `workflowRunId` for activities), `activity`, `err`.
 */
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from './logger';

const METHOD = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    this.logger[METHOD[level]](contextFields(meta), message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** The SDK's metadata renamed to the program's fields; span contexts and task tokens dropped (noise). */
function contextFields(meta: LogMetadata): Record<string, unknown> {
  const { workflowRunId, runId, activityType, error, spanContexts, taskToken, ...rest } = meta as Record<
    string,
    unknown
  >;
  void spanContexts;
  void taskToken;
  const fields: Record<string, unknown> = { ...rest };
  const run = workflowRunId ?? runId;
  if (run !== undefined) fields.runId = run;
  if (activityType !== undefined) fields.activity = activityType;
  if (error !== undefined) fields.err = error;
  return fields;
}
