/**
 * Which part of the system failed, and the setting an operator checks: carried by our errors, by
 * the activities' failures (details[0]), by the workflow's failure, in the ledger's report, on
 * `tempctl run` and `tempctl status`, and as a metrics label. Read by type and fields, never by
 * matching message text.
 */

/** The parts of the system a failure can name. `pipeline`: our own code (a bug); retried within bounds. */
export const FAILURE_COMPONENTS = [
  'partner',
  'landing-store',
  'backup-store',
  'database',
  'disk',
  'temporal',
  'pipeline',
] as const;
export type FailureComponent = (typeof FAILURE_COMPONENTS)[number];

export interface FailureOrigin {
  component: FailureComponent;
  /** The setting(s) to check, e.g. `LANDING_STORE_URL, S3_ENDPOINT`. */
  setting: string;
}

/** How an operator reads each component. */
export const COMPONENT_LABEL: Record<FailureComponent, string> = {
  partner: 'the source',
  'landing-store': 'the landing store',
  'backup-store': 'the backup store',
  database: 'the database',
  disk: 'the local disk',
  temporal: 'Temporal',
  pipeline: 'the pipeline itself',
};

export function isFailureOrigin(value: unknown): value is FailureOrigin {
  if (typeof value !== 'object' || value === null) return false;
  const { component, setting } = value as { component?: unknown; setting?: unknown };
  return (
    typeof setting === 'string' &&
    typeof component === 'string' &&
    (FAILURE_COMPONENTS as readonly string[]).includes(component)
  );
}

/**
 * The origin a failure carries: the first `origin` field, or `details` entry that is an origin (a
 * Temporal ApplicationFailure made by activities/failures.ts), along its cause chain (at most 10).
 */
export function carriedOrigin(error: unknown): FailureOrigin | undefined {
  let current = error;
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth++) {
    const { origin, details, cause } = current as { origin?: unknown; details?: unknown; cause?: unknown };
    if (isFailureOrigin(origin)) return origin;
    const detail: unknown = Array.isArray(details) ? details.find(isFailureOrigin) : undefined;
    if (isFailureOrigin(detail)) return detail;
    current = cause;
  }
  return undefined;
}

/** "the landing store (check LANDING_STORE_URL, S3_ENDPOINT)": how messages name an origin. */
export function describeOrigin(origin: FailureOrigin): string {
  return `${COMPONENT_LABEL[origin.component]} (check ${origin.setting})`;
}
