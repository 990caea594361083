/**
 * The pipeline's error hierarchy. Every error says whether retrying can help, so that activity
 * adapters can turn it into the right Temporal failure. Use the type guards, not `instanceof`:
 * jest runs each test file in its own realm, where class identity is not shared.
 */
import { carriedOrigin, type FailureOrigin } from './failureOrigin';

export type PipelineErrorKind =
  | 'config'
  | 'source'
  | 'regions'
  | 'backup'
  | 'data-quality'
  | 'object-exists'
  | 'checksum-mismatch'
  | 'object-not-found'
  | 'object-store'
  | 'landed-object'
  | 'stranded-answer'
  | 'database';

export class PipelineError extends Error {
  readonly kind: PipelineErrorKind;
  readonly retryable: boolean;
  /** Marker read by the type guards; survives realms where `instanceof` does not. */
  readonly isPipelineError = true;
  /**
   * The part that failed and the setting to check, when the thrower knows it (an object store
   * knows whether it is the landing or the backup store: adapters/objectStore/named.ts).
   */
  origin: FailureOrigin | undefined;

  constructor(
    kind: PipelineErrorKind,
    message: string,
    options: { retryable: boolean; cause?: unknown; origin?: FailureOrigin },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.retryable = options.retryable;
    this.origin = options.origin;
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

/**
 * A workflow asked this worker for a source its configuration does not build: the workers' SOURCES
 * differ (a deployment mistake). Never retryable: the same worker fails the same way, and the
 * source was never called. Its failure type is its own class name (activities/failures.ts).
 */
export class UnknownSourceError extends ConfigError {
  readonly source: string;
  constructor(source: string, configured: readonly string[]) {
    super(
      'SOURCES',
      `source ${source} is not configured on this worker (it has ${configured.join(', ') || 'none'})`,
    );
    this.source = source;
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
 * A write-once object store already holds different bytes under that key: objects are never
 * rewritten (an identical retry is not an error). Not retryable: the same write fails again.
 */
export class ObjectExistsError extends PipelineError {
  readonly key: string;
  constructor(store: string, key: string, detail: string) {
    super(
      'object-exists',
      `${store}: ${key} exists already with other bytes (${detail}); objects are never rewritten`,
      {
        retryable: false,
      },
    );
    this.key = key;
  }
}

/**
 * A file handed to the object store is not the one the caller expected: its sha256 differs from
 * the recorded one (a damaged landed object, copied into a backup). Nothing is written under the
 * key. Not retryable: the same bytes fail again.
 */
export class ChecksumMismatchError extends PipelineError {
  readonly key: string;
  readonly actual: string;
  readonly expected: string;
  constructor(store: string, key: string, actual: string, expected: string) {
    super('checksum-mismatch', `${store}: ${key}: sha256 ${actual} differs from the expected ${expected}`, {
      retryable: false,
    });
    this.key = key;
    this.actual = actual;
    this.expected = expected;
  }
}

/** The object store has no object under that key. Not retryable: the object is missing, not late. */
export class ObjectNotFoundError extends PipelineError {
  readonly key: string;
  constructor(store: string, key: string) {
    super('object-not-found', `${store}: no object ${key}`, { retryable: false });
    this.key = key;
  }
}

/**
 * The object store refused or failed an operation: a bad key or URL (not retryable) or a disk or
 * network failure (retryable), as stated where thrown.
 */
export class ObjectStoreError extends PipelineError {
  constructor(message: string, options: { retryable: boolean; cause?: unknown; origin?: FailureOrigin }) {
    super('object-store', message, options);
  }
}

/** What is wrong with a landed object: absent from the landing store, or other bytes than recorded. */
export type LandedObjectProblem = 'missing' | 'damaged';

/**
 * A landed object (a Parquet file, a raw answer) cannot be read as `landed_files` or `raw_bodies`
 * recorded it, and no backup copy repaired it. Names the key, the hour it serves, the landing store
 * and the fix. Not retryable: the same bytes fail again until an operator repairs them; the partner
 * is never called again for it.
 */
export class LandedObjectError extends PipelineError {
  readonly key: string;
  readonly hour: Date;
  readonly problem: LandedObjectProblem;
  constructor(input: { key: string; hour: Date; problem: LandedObjectProblem; detail: string; fix: string }) {
    super(
      'landed-object',
      `the landing store (check LANDING_STORE_URL): landed object ${input.key} landed by import hour ${input.hour.toISOString()} is ${input.problem} (${input.detail}); ${input.fix}`,
      { retryable: false, origin: { component: 'landing-store', setting: 'LANDING_STORE_URL' } },
    );
    this.key = input.key;
    this.hour = input.hour;
    this.problem = input.problem;
  }
}

/**
 * A source's answer arrived on another worker host, which kept it in its DATA_DIR and failed or
 * died before the landing store and the database had it; the retry runs on a host that does not
 * have it. Not retryable, and the source is not called again (it serves only the present): the
 * message names the host, the file and the fix. Origin: the disk (DATA_DIR) that holds the answer.
 */
export class StrandedAnswerError extends PipelineError {
  constructor(message: string) {
    super('stranded-answer', message, {
      retryable: false,
      origin: { component: 'disk', setting: 'DATA_DIR' },
    });
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
export const isObjectExistsError = isKind<ObjectExistsError>('object-exists');
export const isChecksumMismatchError = isKind<ChecksumMismatchError>('checksum-mismatch');
export const isObjectNotFoundError = isKind<ObjectNotFoundError>('object-not-found');
export const isObjectStoreError = isKind<ObjectStoreError>('object-store');
export const isLandedObjectError = isKind<LandedObjectError>('landed-object');
export const isStrandedAnswerError = isKind<StrandedAnswerError>('stranded-answer');
export const isDatabaseError = isKind<DatabaseError>('database');

/** Node's codes for a disk that refuses a write: full, over quota, read-only, not allowed. */
const DISK_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO']);

/** True when the error, or one of its causes, is a disk's refusal (ENOSPC, EDQUOT, EROFS, EACCES…). */
export function isDiskFailure(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && DISK_CODES.has(code)) return true;
    current = cause;
  }
  return false;
}

/** The setting to check when a source other than the partner API fails. */
const SOURCE_SETTINGS: Record<string, string> = {
  'file-drop': 'FILE_DROP_DIR',
  'object-drop': 'OBJECT_DROP_URL, S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY',
};

/**
 * The part that failed and the setting to check, from the error's type and fields: what it
 * carries, else a source's error (the partner), our database, a disk's error code (the worker's
 * scratch folder, DATA_DIR), else our own code.
 */
export function originOf(error: unknown): FailureOrigin {
  const carried = carriedOrigin(error);
  if (carried !== undefined) return carried;
  if (isSourceError(error))
    return {
      component: 'partner',
      setting: SOURCE_SETTINGS[error.source] ?? 'SENSOR_API_URL, SENSOR_API_KEY',
    };
  if (isDatabaseError(error)) return { component: 'database', setting: 'DATABASE_URL' };
  if (isDataQualityError(error))
    return { component: 'partner', setting: 'the CHECK_* setting the message names' };
  if (isConfigError(error)) return { component: 'pipeline', setting: error.setting };
  if (isDiskFailure(error)) return { component: 'disk', setting: 'DATA_DIR' };
  return { component: 'pipeline', setting: 'no setting: a bug, see the worker logs' };
}

/** Unknown errors (bugs, driver errors) are retryable: Temporal's bounded retry policy decides. */
export function isRetryable(error: unknown): boolean {
  return isPipelineError(error) ? error.retryable : true;
}

/**
 * The deepest message of an error's `cause` chain: a failed workflow's or activity's cause says what
 * actually went wrong (WorkflowFailedError → ActivityFailure → ApplicationFailure "HTTP 503 …").
 * Follows at most 10 causes, so a cyclic chain cannot loop.
 */
export function deepestMessage(error: unknown): string {
  let current = error;
  for (let depth = 0; depth < 10; depth++) {
    const cause: unknown = current instanceof Error ? (current as { cause?: unknown }).cause : undefined;
    if (!(cause instanceof Error)) break;
    current = cause;
  }
  return current instanceof Error ? current.message : String(current);
}
