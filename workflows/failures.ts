/**
 * The types of the non-retryable failures the workflows end with (`ApplicationFailure.type`): the
 * one home of these names, read by the workflows, the CLI and the tests. An activity's own failure
 * keeps its error class name as its type (activities/failures.ts), such as 'DataQualityError'.
 */

/** The hour given is not an ISO hour on the hour in UTC, or a scheduled run has no nominal time. */
export const INVALID_IMPORT_HOUR = 'InvalidImportHour';
/** No source fetched: the hour is older than FETCH_MAX_LAG_HOURS and the sources serve only the present. */
export const TOO_OLD_TO_FETCH = 'TooOldToFetch';
/** A source failed and SOURCE_FAILURE_POLICY=fail: nothing is stored for the hour. */
export const SOURCE_FAILED = 'SourceFailed';
/** Our database failed while a source was landed: not the source's fault, whatever the policy. */
export const DATABASE_FAILED = 'DatabaseFailed';
/** The landing store failed while a source was landed (LANDING_STORE_URL, S3_*). */
export const LANDING_STORE_FAILED = 'LandingStoreFailed';
/** The backup store failed while a source was landed (BACKUP_URL). */
export const BACKUP_STORE_FAILED = 'BackupStoreFailed';
/** Our disk failed while a source was landed (DATA_DIR: full, or not writable). */
export const DISK_FAILED = 'DiskFailed';
/** The aggregates are stored but the backup failed; details[0] is the run's summary. */
export const BACKUP_FAILED = 'BackupFailed';
/** A backfill was asked for a concurrency outside BACKFILL_CONCURRENCY (workflows/backfill.ts). */
export const INVALID_BACKFILL = 'InvalidBackfill';
