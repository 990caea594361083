/**
 * One import hour, end to end: fetch every source in parallel → plan the hour's buckets → one
 * activity per stale bucket (any worker) → exact merge here → check → persist → back up, with each
 * step's timeouts and retries, and a ledger row from start to end. Deterministic: no I/O here;
 * readings never pass through history, only the hour, bucket numbers and small summaries do.
 */
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
  proxyActivities,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type {
  FetchSummary,
  HourRecompute,
  ImportTrigger,
  SourceFailure,
  StartImportResult,
} from '../activities/types';
import { mergeBuckets } from '../core/bucket';
import { deepestMessage } from '../core/errors';
import { carriedOrigin, type FailureOrigin } from '../core/failureOrigin';
import { formatHour } from '../core/importHour';
import type { SourceFailurePolicy } from '../core/policies';
import {
  BACKUP_FAILED,
  BACKUP_STORE_FAILED,
  DATABASE_FAILED,
  DISK_FAILED,
  LANDING_STORE_FAILED,
  SOURCE_FAILED,
  TOO_OLD_TO_FETCH,
} from './failures';
import { resolveImportHour } from './resolveImportHour';
import { landInParts, type PartActivities } from './parts';
import { summariseImport, sumRejectedByReason, type ImportSummary } from './summary';

/**
 * Patch marker: the landed objects are copied to the backup while the hour is computed. Runs
 * started before the change replay without it (Temporal's `patched`).
 */
const BACKUP_OBJECTS_EARLY = 'backup-objects-while-computing';
/**
 * Patch marker: the corrected hours are refreshed and backed up by one activity each
 * (`refreshHours`, `backupHours`) instead of three a corrected hour; their objects, copied when
 * they were landed, are not copied early again.
 */
const CORRECTED_HOURS_AT_ONCE = 'corrected-hours-at-once';
/**
 * Patch marker: the import hour's backup also holds the aggregates of the hours it corrected
 * (`backupHour` with `corrected`), so a correction costs its hour's backup a few rows instead of a
 * new backup of every hour it touched (`backupHours`, kept for the runs started before).
 */
const CORRECTIONS_IN_HOUR_BACKUP = 'corrections-in-hour-backup';

export interface HourlyImportInput {
  /** ISO hour; absent for scheduled runs, which use the schedule's nominal time. */
  hour?: string;
  trigger?: ImportTrigger;
  /** Call the sources again even when the hour's readings were landed already. */
  refetch?: boolean;
}

/** Small steps against the database (the ledger's start, the quality checks): 30 s an attempt, 10 attempts. */
const SHORT: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
  },
};
// Long steps are bounded by heartbeats, not by their length: a worker that dies mid-step stops
// beating and the step is retried elsewhere within seconds, while a large hour that is making
// progress is never timed out (and its source never called twice). The start-to-close timeout is
// only a ceiling for a step that beats but never ends.
/** Fetching a source: heartbeats every few seconds, 5 attempts. */
const HEARTBEATING: ActivityOptions = {
  heartbeatTimeout: '10 seconds',
  startToCloseTimeout: '1 hour',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
  },
};
/** Computing, persisting and backing up: heartbeats, on any worker polling the task queue, 5 attempts. */
const ANY_WORKER: ActivityOptions = {
  heartbeatTimeout: '10 seconds',
  startToCloseTimeout: '1 hour',
  // Through the task queue, to any worker polling it: eager dispatch would hand every bucket of the
  // hour to the worker that completed the workflow task, so one worker would do all the work.
  allowEagerDispatch: false,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
  },
};
/**
 * Writing the run's end is retried until the database takes it (up to an hour): a run must not be
 * left 'running' in the ledger because the database was away when the run ended. Its content can
 * never make it fail (adapters/db/runs.ts sanitises).
 */
const UNTIL_RECORDED: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 hour',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    // No maximumAttempts: unlimited attempts, bounded by the hour above.
    maximumInterval: '1 minute',
  },
};

const short = proxyActivities<Activities>(SHORT);
const heartbeating = proxyActivities<Activities>(HEARTBEATING);
const anyWorker = proxyActivities<Activities>(ANY_WORKER);
const untilRecorded = proxyActivities<Activities>(UNTIL_RECORDED);
/** A source's hour in parts: listed and chained parts fetched like a source; each part landed by any worker. */
const partSteps: PartActivities = {
  listParts: proxyActivities<PartActivities>(HEARTBEATING).listParts,
  fetchPart: proxyActivities<PartActivities>(HEARTBEATING).fetchPart,
  landPart: proxyActivities<PartActivities>(ANY_WORKER).landPart,
};

export async function hourlyImport(input: HourlyImportInput = {}): Promise<ImportSummary> {
  const info = workflowInfo();
  const hour = formatHour(resolveImportHour(input.hour, info));
  const trigger = input.trigger ?? (input.hour === undefined ? 'schedule' : 'manual');
  const runId = info.runId;
  const started = await short.startImport({ hour, workflowId: info.workflowId, runId, trigger });
  const atOnce = patched(CORRECTED_HOURS_AT_ONCE);
  const backup: BackupShape = !atOnce ? 'each' : patched(CORRECTIONS_IN_HOUR_BACKUP) ? 'within' : 'batched';

  let fetches: FetchSummary[] = [];
  let failedSources: SourceFailure[] = [];
  const warnings: string[] = [];
  let corrected: string[] = [];
  let copying: Promise<unknown> = Promise.resolve(undefined);
  let summary: ImportSummary;
  try {
    // Fetch. Sources that landed something for the hour are not called again (a rerun recomputes
    // from it). Our database failing is not a source's fault, and no policy makes an hour without
    // it partial.
    const found = await fetchAll(
      started.sources,
      { hour, runId, refetch: input.refetch ?? false },
      started.parts,
    );
    ({ fetches, failedSources } = found);
    // Our database, store or disk failing is not the source's fault, and no policy makes an hour
    // without them partial.
    const [first] = found.ownFailures;
    if (first !== undefined)
      throw ApplicationFailure.create({
        message: found.ownFailures.map((f) => f.message).join('; '),
        type: OUR_SIDE_FAILED[first.origin.component],
        nonRetryable: true,
        details: [first.origin],
      });
    corrected = [...new Set(fetches.flatMap((f) => f.correctedHours))].filter((h) => h !== hour);
    // The large copies (raw answers, Parquet files) run beside the computation; the tables and the
    // manifest are written last, below. Settled into a value: its failure is the backup's failure.
    if (patched(BACKUP_OBJECTS_EARLY)) {
      copying = Promise.all(
        (atOnce ? [hour] : [hour, ...corrected]).map((h) => anyWorker.backupObjects({ hour: h })),
      ).then(
        () => undefined,
        (error: unknown) => error,
      );
    }

    // Each hour to bring up to date: first those a correction touched (corrections count as soon as
    // they are landed, whatever becomes of the import hour), then the import hour itself, checked.
    // The corrected hours whose deltas leave no bucket to compute are refreshed by one activity;
    // the others go through the steps below. The import hour comes last: its iteration sets this.
    let recomputed!: HourRecompute;
    const { pending } =
      atOnce && corrected.length > 0
        ? await anyWorker.refreshHours({ hours: corrected })
        : { pending: corrected };
    for (const current of [...pending, hour]) {
      const isImportHour = current === hour;
      if (isImportHour) warnings.push(...refuseOrWarn(fetches, failedSources, started.sourceFailurePolicy));
      // Plan: only the buckets whose files changed are computed again, in parallel on any worker;
      // the others' stored results are reused.
      const plan = await anyWorker.planHour({ hour: current });
      const computed = await Promise.all(
        plan.stale.map((bucket) => anyWorker.aggregateBucket({ hour: current, bucket })),
      );
      // Merge: exact, so the rows do not depend on the number of buckets or on which worker computed which.
      const { aggregates, stats } = mergeBuckets(
        [...plan.fresh, ...computed].map((outcome) => outcome.result),
      );
      // Check (the import hour): a check set to fail throws a non-retryable DataQualityError, and
      // nothing is persisted.
      if (isImportHour) {
        const qualityWarnings = await short.checkQuality({
          hour,
          fetched: fetches.reduce((n, f) => n + f.fetched, 0),
          rejected: fetches.reduce((n, f) => n + f.rejected, 0),
          rejectedByReason: sumRejectedByReason(fetches),
          stats,
          outsidePlaced: stats.outside,
          outsideInsideIfSwapped: stats.outsideInsideIfSwapped ?? 0,
        });
        warnings.push(...qualityWarnings);
      }
      // Persist.
      await anyWorker.persistHour({ hour: current, aggregates });
      if (isImportHour) {
        const assigned = {
          readings: stats.counted,
          inRegion: stats.counted - stats.outside,
          outside: stats.outside,
        };
        recomputed = {
          assigned,
          aggregates,
          stats,
          buckets: { count: plan.bucketCount, computed: plan.stale },
        };
      }
    }

    summary = summariseImport({
      hour,
      runId,
      workflowId: info.workflowId,
      trigger,
      regionsHash: started.regionsHash,
      fetches,
      failedSources,
      recomputedHours: corrected,
      warnings,
      ...recomputed,
    });
    await untilRecorded.finishImport({ runId, status: summary.status, report: summary, error: null });
  } catch (error) {
    // Not cancellable: a cancelled import must still be recorded as ended, not left 'running'.
    await CancellationScope.nonCancellable(async () => {
      // The run's own failure is what it throws: a ledger that cannot be written is only logged.
      await untilRecorded
        .finishImport({
          runId,
          status: 'failed',
          report: { fetches, failedSources, recomputedHours: corrected, failure: carriedOrigin(error) },
          error: isCancellation(error) ? 'cancelled' : deepestMessage(error),
        })
        .catch((ledgerError: unknown) =>
          log.error('the run ledger could not record the failure', { error: deepestMessage(ledgerError) }),
        );
      // What a failed run landed is backed up too: the sources cannot be asked for it again.
      await copying;
      await backUp(hour, corrected, backup, () => undefined);
    });
    throw error;
  }
  // Back up, last, so that each hour's backup holds its ledger row as the run ended.
  try {
    const copyFailure = await copying;
    if (copyFailure !== undefined)
      throw copyFailure instanceof Error ? copyFailure : new Error(deepestMessage(copyFailure));
    await backUp(hour, corrected, backup);
  } catch (error) {
    const message = `the aggregates are stored, but the backup failed: ${deepestMessage(error)}`;
    const failure = carriedOrigin(error);
    await untilRecorded.finishImport({
      runId,
      status: 'failed',
      report: { ...summary, failure },
      error: message,
    });
    // The summary travels with the failure, so `tempctl run` shows what was stored and why it failed.
    throw ApplicationFailure.create({
      message,
      type: BACKUP_FAILED,
      nonRetryable: true,
      details: [summary, failure],
    });
  }
  return summary;
}

/**
 * How a run backs up the hours it corrected: `within` the import hour's backup (their aggregates,
 * adapters/db/backupTables.ts), `batched` in one `backupHours` after it (runs started before
 * CORRECTIONS_IN_HOUR_BACKUP), or `each` with a `backupHour` of its own (before CORRECTED_HOURS_AT_ONCE).
 */
type BackupShape = 'within' | 'batched' | 'each';

/**
 * Backs up the import hour and what it did to the corrected ones (`shape`). Each step's failure
 * goes to `onFailure` when given (a failed run backs up what it can, one step's failure skipping
 * no other), else ends the backup.
 */
async function backUp(
  hour: string,
  corrected: readonly string[],
  shape: BackupShape,
  onFailure?: (error: unknown) => undefined,
): Promise<void> {
  const steps: (() => Promise<unknown>)[] =
    shape === 'within'
      ? [() => anyWorker.backupHour(corrected.length > 0 ? { hour, corrected: [...corrected] } : { hour })]
      : shape === 'batched'
        ? [
            () => anyWorker.backupHour({ hour }),
            ...(corrected.length > 0 ? [() => anyWorker.backupHours({ hours: [...corrected] })] : []),
          ]
        : [hour, ...corrected].map((backedUp) => () => anyWorker.backupHour({ hour: backedUp }));
  for (const step of steps) await (onFailure ? step().catch(onFailure) : step());
}

/**
 * Whether the import hour may be stored, from what the sources did: not when no source could be
 * fetched (TooOldToFetch), nor when one failed under SOURCE_FAILURE_POLICY=fail (SourceFailed).
 * Under 'partial' the other sources' aggregates are stored and the hour is marked incomplete.
 * @returns the warnings for the sources not fetched
 */
function refuseOrWarn(
  fetches: readonly FetchSummary[],
  failedSources: readonly SourceFailure[],
  policy: SourceFailurePolicy,
): string[] {
  const notFetched = fetches.filter((f) => f.notFetched !== undefined);
  if (notFetched.length === fetches.length && failedSources.length === 0) {
    throw ApplicationFailure.create({
      message: notFetched.map((f) => `${f.source}: ${f.notFetched}`).join('; '),
      type: TOO_OLD_TO_FETCH,
      nonRetryable: true,
      details: [{ component: 'partner', setting: 'FETCH_MAX_LAG_HOURS' } satisfies FailureOrigin],
    });
  }
  if (failedSources.length > 0 && policy === 'fail') {
    throw ApplicationFailure.create({
      message: `source failed: ${failedSources.map((f) => `${f.source}: ${f.error}`).join('; ')}`,
      type: SOURCE_FAILED,
      nonRetryable: true,
      details: [failedSources[0]?.origin ?? { component: 'partner', setting: 'SENSOR_API_URL' }],
    });
  }
  return notFetched.map((f) => `${f.source} not fetched: ${f.notFetched}`);
}

/** What fetching every source found: their summaries, the sources that failed, and our database's failures. */
interface Found {
  fetches: FetchSummary[];
  failedSources: SourceFailure[];
  /** Our own side's failures (database, stores, disk), with the part that failed. */
  ownFailures: { origin: FailureOrigin; message: string }[];
}

/**
 * Fetches every source in parallel: those delivering in parts part by part (workflows/parts.ts),
 * the others in one `fetchSource`. A cancelled run throws: it is not a failed source.
 */
async function fetchAll(
  names: string[],
  request: { hour: string; runId: string; refetch: boolean },
  parts: StartImportResult['parts'],
): Promise<Found> {
  const settled = await Promise.allSettled(
    names.map((source) =>
      parts?.sources.includes(source) === true
        ? landInParts(partSteps, { ...request, source }, parts.concurrency)
        : heartbeating.fetchSource({ ...request, source }),
    ),
  );
  // A cancelled run is not a failed source: it must end as cancelled, whatever the failure policy.
  const cancelled = settled.find((r) => r.status === 'rejected' && isCancellation(r.reason));
  if (cancelled?.status === 'rejected') throw cancelled.reason;
  const found: Found = { fetches: [], failedSources: [], ownFailures: [] };
  settled.forEach((result, i) => {
    if (result.status === 'fulfilled') {
      found.fetches.push(result.value);
      return;
    }
    // The part that failed, as the activity's failure carries it (activities/failures.ts).
    const origin = carriedOrigin(result.reason);
    if (origin !== undefined && OUR_SIDE_FAILED[origin.component] !== undefined) {
      found.ownFailures.push({ origin, message: deepestMessage(result.reason) });
      return;
    }
    const source = names[i] ?? '?';
    // A SourceError's message already starts with its source: not "partner-api: partner-api: …".
    const message = deepestMessage(result.reason);
    found.failedSources.push({
      source,
      error: message.startsWith(`${source}: `) ? message.slice(source.length + 2) : message,
      ...(origin === undefined ? {} : { origin }),
    });
  });
  return found;
}

/** The workflow's failure type when our own side failed during a fetch, by the part that failed. */
const OUR_SIDE_FAILED: Partial<Record<FailureOrigin['component'], string>> = {
  database: DATABASE_FAILED,
  'landing-store': LANDING_STORE_FAILED,
  'backup-store': BACKUP_STORE_FAILED,
  disk: DISK_FAILED,
};
