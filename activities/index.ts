/**
 * The import's activities: thin adapters from the workflow to the database, the sources, the
 * region index and the backup store, all injected so tests build them with real components.
 */
import type { Knex } from 'knex';
import { aggregateByRegion } from '../core/aggregate';
import { formatHour, truncateToHour } from '../core/importHour';
import type { ValidationLimits } from '../core/reading';
import type { RegionIndex } from '../core/geo';
import { landBatch, liveBatches, type LandingResult } from '../adapters/db/landing';
import {
  placedReadings,
  readingPositions,
  replaceAssignments,
  hourStates,
  regionsOfPreviousHours,
  replaceHourAggregates,
  type CorrectionStrategy,
} from '../adapters/db/hours';
import { recordRunEnd, recordRunStart, type RunStatus } from '../adapters/db/runs';
import type { SourceFailurePolicy } from '../core/policies';
import { backupTablesForHour } from '../adapters/db/backupTables';
import type { BackupStore } from '../adapters/backup/store';
import { storeId } from '../adapters/db/storeIdentity';
import type { Source } from '../adapters/sources/types';
import { withFailureMapping } from './failures';
import { databaseFailure, isDatabaseDriverError, type DatabaseTarget } from '../adapters/db/connection';
import { DataQualityError, SourceError } from '../core/errors';
import { hourStats } from '../core/hourStats';
import { planBackfill as planHours } from '../core/backfillPlan';
import { evaluateQuality, SILENCE_HISTORY, type CheckOutcome, type QualitySettings } from '../core/quality';
import type {
  AggregateResult,
  BackfillPlan,
  BackfillSelection,
  AssignSummary,
  BackupSummary,
  FetchSourceInput,
  FetchSummary,
  FinishImportInput,
  RunReport,
  HourStats,
  PersistSummary,
  StartImportInput,
  StartImportResult,
} from './types';
import type { RegionAggregate } from '../core/aggregate';

export interface ActivityDeps {
  db: Knex;
  sources: readonly Source[];
  regionIndex: RegionIndex;
  regionsHash: string;
  backupStore: BackupStore;
  now: () => Date;
  limits: ValidationLimits;
  correctionStrategy: CorrectionStrategy;
  sourceFailurePolicy: SourceFailurePolicy;
  quality: QualitySettings;
  fetchMaxLagHours: number;
  /** Told of each run's end once the ledger has it (the metrics); must not throw. */
  onRunEnd?: (end: RunEndEvent) => Promise<void>;
  /** Named in database failure messages (never the URL); absent in tests that do not care. */
  database?: DatabaseTarget;
}

export interface RunEndEvent {
  runId: string;
  status: RunStatus;
  report: RunReport;
  finishedAt: Date;
}

const PULL_PREFIX = 'pull:';

export function createActivities(deps: ActivityDeps) {
  const { db } = deps;
  const sourceByName = new Map(deps.sources.map((source) => [source.name, source]));

  async function startImport(input: StartImportInput): Promise<StartImportResult> {
    await recordRunStart(db, {
      runId: input.runId,
      workflowId: input.workflowId,
      importHour: new Date(input.hour),
      trigger: input.trigger,
      startedAt: deps.now(),
      regionsHash: deps.regionsHash,
    });
    return {
      sources: deps.sources.map((source) => source.name),
      regionsHash: deps.regionsHash,
      sourceFailurePolicy: deps.sourceFailurePolicy,
    };
  }

  /**
   * Lands what a source has now for the import hour. A source that already landed something for
   * the hour is not called again unless refetching: a rerun recomputes from what was landed. A
   * source with nothing landed for an hour too old to fetch is reported as not fetched: the sources
   * only serve the present, and their present readings must not be filed under a past hour.
   */
  async function fetchSource(input: FetchSourceInput): Promise<FetchSummary> {
    const source = sourceByName.get(input.source);
    if (!source) throw new Error(`source ${input.source} is not configured on this worker`);
    const hour = new Date(input.hour);
    const summary = emptySummary(input.source);

    const now = deps.now();
    if (hour.getTime() > truncateToHour(now).getTime()) {
      throw new SourceError(
        input.source,
        `refusing to fetch for ${formatHour(hour)}: that hour has not begun (now ${now.toISOString()}), and the sources serve present readings`,
        { retryable: false },
      );
    }
    if (!input.refetch) {
      // Landed by another run: a rerun, which recomputes from it. Landed by this run: a retry of
      // this activity after some batches landed, which must go on fetching the rest.
      const landed = (await liveBatches(db, hour, input.source)).filter(
        (b) => b.summary.landedByRun !== input.runId,
      );
      if (landed.length > 0) {
        for (const batch of landed) addLanding(summary, batch.summary);
        return { ...summary, reusedLanded: true };
      }
    }
    const stale = staleness(hour, now, deps.fetchMaxLagHours);
    if (stale !== null) {
      if (input.refetch)
        throw new SourceError(input.source, `refusing to refetch: ${stale}`, { retryable: false });
      return { ...summary, notFetched: `nothing was landed for it, and ${stale}` };
    }

    const batches = await source.fetch();
    for (const batch of batches) {
      // A pull source answers "now": its batch is keyed by the import hour (and the run, for a
      // refetch), so a retried activity finds its own landing instead of landing twice.
      const batchKey =
        batch.key ?? `${PULL_PREFIX}${formatHour(hour)}${input.refetch ? `#refetch:${input.runId}` : ''}`;
      const landing = await landBatch(db, {
        importHour: hour,
        source: input.source,
        batchKey,
        runId: input.runId,
        fetchedAt: batch.fetchedAt,
        records: batch.records,
        texts: batch.texts,
        unreadable: batch.unreadable,
        limits: deps.limits,
        supersedePrefix: batch.key === null && input.refetch ? PULL_PREFIX : undefined,
      }).catch((error: unknown) => {
        // The source answered; failing to store its answer is our database's failure, not the source's.
        throw isDatabaseDriverError(error) && deps.database
          ? databaseFailure(error, deps.database, `landing ${input.source}'s readings`)
          : error;
      });
      await source.acknowledge(batch);
      // A batch another run landed (a file dropped again unchanged) adds nothing to this run.
      if (landing.landedByRun === input.runId) addLanding(summary, landing);
    }
    return summary;
  }

  async function assignRegions(input: { hour: string }): Promise<AssignSummary> {
    const hour = new Date(input.hour);
    const positions = await readingPositions(db, hour);
    const lon = Float64Array.from(positions, (p) => p.lon);
    const lat = Float64Array.from(positions, (p) => p.lat);
    const regionNumbers = new Int16Array(positions.length);
    deps.regionIndex.assign(lon, lat, regionNumbers);
    const names = deps.regionIndex.regions.map((region) => region.name);
    const assignments = positions.map((position, i) => {
      const number = regionNumbers[i] ?? -1;
      return { rowId: position.row_id, region: number < 0 ? null : (names[number] ?? null) };
    });
    await replaceAssignments(db, hour, assignments, deps.regionsHash);
    const outside = assignments.filter((a) => a.region === null).length;
    return {
      readings: positions.length,
      inRegion: positions.length - outside,
      outside,
      outsideInsideIfSwapped: countInsideIfSwapped(deps.regionIndex, lon, lat, regionNumbers),
    };
  }

  async function aggregateHour(input: { hour: string }): Promise<AggregateResult> {
    const readings = await placedReadings(db, new Date(input.hour), deps.correctionStrategy);
    return { aggregates: aggregateByRegion(readings), stats: hourStats(readings) };
  }

  async function checkQuality(input: {
    hour: string;
    fetched: number;
    rejected: number;
    stats: HourStats;
    /** Of the hour's readings outside every region, how many fall inside one with lat/lon swapped. */
    outsideInsideIfSwapped?: number;
    /** All readings of the hour placed (every version), the base of the count above. */
    outsidePlaced?: number;
  }): Promise<string[]> {
    const previousImports = await regionsOfPreviousHours(db, new Date(input.hour), SILENCE_HISTORY);
    const outcomes = evaluateQuality(
      {
        fetched: input.fetched,
        rejected: input.rejected,
        counted: input.stats.counted,
        regionsNow: Object.keys(input.stats.pointsPerRegion),
        previousImports,
        outside: input.stats.outside,
        swapped:
          input.outsidePlaced === undefined
            ? undefined
            : { outside: input.outsidePlaced, insideIfSwapped: input.outsideInsideIfSwapped ?? 0 },
      },
      deps.quality,
    );
    const describe = (o: CheckOutcome) => `${o.check}: ${o.message}`;
    const failed = outcomes.filter((o) => o.action === 'fail');
    if (failed.length > 0) {
      throw new DataQualityError(
        `data-quality check failed, nothing stored: ${failed.map(describe).join('; ')}`,
      );
    }
    return outcomes.map(describe);
  }

  async function planBackfill(input: {
    from: string;
    to: string;
    only: BackfillSelection;
  }): Promise<BackfillPlan> {
    const states = await hourStates(db, new Date(input.from), new Date(input.to));
    return planHours(states, input.only);
  }

  async function persistHour(input: {
    hour: string;
    aggregates: RegionAggregate[];
  }): Promise<PersistSummary> {
    return replaceHourAggregates(db, new Date(input.hour), input.aggregates);
  }

  async function backupHour(input: { hour: string }): Promise<BackupSummary> {
    const hour = new Date(input.hour);
    const { manifest, ref } = await deps.backupStore.writeHour(
      await storeId(db),
      hour,
      { tables: backupTablesForHour(db, hour) },
      deps.now(),
    );
    return {
      folder: `${deps.backupStore.url.replace(/\/?$/, '/')}${ref.generation}`,
      files: manifest.tables.map(({ name, rows }) => ({ name, rows })),
    };
  }

  /** Never fails on content (adapters/db/runs.ts sanitises); only the database can fail it. */
  async function finishImport(input: FinishImportInput): Promise<void> {
    const finishedAt = deps.now();
    await recordRunEnd(db, input.runId, {
      status: input.status,
      finishedAt,
      report: input.report,
      error: input.error,
    });
    await deps.onRunEnd?.({ runId: input.runId, status: input.status, report: input.report, finishedAt });
  }

  return withFailureMapping(
    {
      startImport,
      fetchSource,
      assignRegions,
      aggregateHour,
      checkQuality,
      persistHour,
      backupHour,
      finishImport,
      planBackfill,
    },
    deps.database,
  );
}

/**
 * Of the readings outside every region, how many would fall inside one with latitude and
 * longitude swapped: the sign of a feed that writes them the wrong way round.
 */
function countInsideIfSwapped(
  index: RegionIndex,
  lon: Float64Array,
  lat: Float64Array,
  regionNumbers: Int16Array,
): number {
  const outside = [...regionNumbers.keys()].filter((i) => (regionNumbers[i] ?? -1) < 0);
  if (outside.length === 0) return 0;
  // Swapped: the latitude read as a longitude and the reverse; |lon| > 90 cannot be a latitude.
  const usable = outside.filter((i) => Math.abs(lon[i] ?? 0) <= 90);
  const swappedLon = Float64Array.from(usable, (i) => lat[i] ?? 0);
  const swappedLat = Float64Array.from(usable, (i) => lon[i] ?? 0);
  const found = new Int16Array(usable.length);
  index.assign(swappedLon, swappedLat, found);
  return found.filter((number) => number >= 0).length;
}

export type Activities = ReturnType<typeof createActivities>;

/**
 * Why an hour can no longer be fetched, or null. The sources answer with what they have now:
 * filing that under an hour long past would store today's temperatures as that hour's.
 */
function staleness(hour: Date, now: Date, maxLagHours: number): string | null {
  const lagHours = (now.getTime() - hour.getTime()) / 3_600_000;
  if (lagHours <= maxLagHours + 1) return null;
  return (
    `${formatHour(hour)} is ${Math.floor(lagHours)} hours old (FETCH_MAX_LAG_HOURS=${maxLagHours}) ` +
    'while the sources only serve present readings'
  );
}

function emptySummary(source: string): FetchSummary {
  return {
    source,
    reusedLanded: false,
    replacedBatches: 0,
    batches: 0,
    fetched: 0,
    valid: 0,
    rejected: 0,
    rejectedByReason: {},
    duplicates: 0,
    corrections: 0,
    correctedHours: [],
  };
}

function addLanding(
  summary: FetchSummary,
  landing: Omit<LandingResult, 'batchId' | 'alreadyLanded' | 'landedByRun'>,
): FetchSummary {
  summary.batches += 1;
  summary.replacedBatches += landing.replacedBatches;
  summary.fetched += landing.fetched;
  summary.valid += landing.valid;
  summary.rejected += landing.rejected;
  summary.duplicates += landing.duplicates;
  summary.corrections += landing.corrections;
  for (const [code, count] of Object.entries(landing.rejectedByReason)) {
    summary.rejectedByReason[code] = (summary.rejectedByReason[code] ?? 0) + count;
  }
  const hours = new Set([...summary.correctedHours, ...landing.correctedHours.map(formatHour)]);
  summary.correctedHours = [...hours].sort();
  return summary;
}
