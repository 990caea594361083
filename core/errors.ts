/**
 * The pipeline's error hierarchy. Every error says whether retrying can help, so that activity
 * adapters can turn it into the right Temporal failure. Use the type guards, not `instanceof`:
 * jest runs each test file in its own realm, where class identity is not shared.
 */

export type PipelineErrorKind = 'config' | 'source' | 'regions' | 'backup' | 'data-quality' | 'database';

export class PipelineError extends Error {
  readonly kind: PipelineErrorKind;
  readonly retryable: boolean;
  /** Marker read by the type guards; survives realms where `instanceof` does not. */
  readonly isPipelineError = true;

  constructor(kind: PipelineErrorKind, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.retryable = options.retryable;
  }
}

/** A setting is missing or invalid: the program stops at start, naming it. Never retryable. */
export class ConfigError extends PipelineError {
  readonly setting: string;
  constructor(setting: string, problem: string) {
    super('config', `${setting}: ${problem}`, { retryable: false });
    this.setting = setting;
  }
}

/** A data source failed. `retryable` says whether another attempt can succeed (5xx, timeout) or not (401, 404). */
export class SourceError extends PipelineError {
  readonly source: string;
  /** The HTTP status when there was one. */
  readonly status: number | undefined;
  /** How long the source asked us to wait before retrying, when it said (Retry-After). */
  readonly retryAfterMs: number | undefined;
  constructor(
    source: string,
    message: string,
    options: { retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super('source', `${source}: ${message}`, options);
    this.source = source;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The region polygons cannot be used: the worker stops at start saying what is wrong and where. */
export class RegionsError extends PipelineError {
  constructor(message: string) {
    super('regions', message, { retryable: false });
  }
}

/** A backup cannot be trusted (checksum, count or file missing), or cannot be restored. */
export class BackupError extends PipelineError {
  constructor(message: string, options: { retryable?: boolean } = {}) {
    super('backup', message, { retryable: options.retryable ?? false });
  }
}

/** A data-quality check configured to fail the run did fail. Retrying the same data cannot help. */
export class DataQualityError extends PipelineError {
  constructor(message: string) {
    super('data-quality', message, { retryable: false });
  }
}

/**
 * Our database failed (refused, timed out, dropped the connection): never the source's fault.
 * Retryable: the database usually comes back; `retryAfterMs` spaces the attempts so that a restart
 * of a minute is lived through within the activity's attempts.
 */
export class DatabaseError extends PipelineError {
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    options: { retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super('database', message, { retryable: options.retryable ?? true, cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isPipelineError(error: unknown): error is PipelineError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { isPipelineError?: unknown }).isPipelineError === true
  );
}

function isKind<T extends PipelineError>(kind: PipelineErrorKind) {
  return (error: unknown): error is T => isPipelineError(error) && error.kind === kind;
}

export const isConfigError = isKind<ConfigError>('config');
export const isSourceError = isKind<SourceError>('source');
export const isRegionsError = isKind<RegionsError>('regions');
export const isBackupError = isKind<BackupError>('backup');
export const isDataQualityError = isKind<DataQualityError>('data-quality');
export const isDatabaseError = isKind<DatabaseError>('database');

/** Unknown errors (bugs, driver errors) are retryable: Temporal's bounded retry policy decides. */
export function isRetryable(error: unknown): boolean {
  return isPipelineError(error) ? error.retryable : true;
}
