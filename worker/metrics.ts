/**
 * The pipeline's Prometheus metrics (prom-client). Two kinds:
 * - events, counted by this worker: each import's readings per source (from the run's final
 *   report, recorded in one place when the run's end is written), imports and activity durations;
 * - state, read from the database and the backup folder at each scrape (state.ts): freshness, the
 *   latest hour, its regions, the quarantine, the backups. Every worker reports the same state, so
 *   the alert rules take max() over workers.
 * Names and units follow Prometheus' conventions (`_total`, `_seconds`, timestamps in Unix seconds).
 */
import { isFailureOrigin } from '../core/failureOrigin';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EndedRunStatus } from '../core/policies';
import type { ImportSummary } from '../workflows/summary';
import type { PipelineState } from '../adapters/observability/state';

const P = 'temperature_pipeline_';

export interface RunEnd {
  status: EndedRunStatus;
  /** The run's report as the ledger stores it: the full summary, or a partial one for a failed run. */
  report: unknown;
  durationSeconds: number;
}

export class PipelineMetrics {
  readonly registry = new Registry();
  private readonly imports = this.counter('imports_total', 'Import runs ended, by status', ['status']);
  private readonly importFailures = this.counter(
    'import_failures_total',
    'Import runs that failed, by the part that failed (partner, landing-store, backup-store, database, disk, temporal, pipeline; unknown when none was recorded, as for a cancelled run)',
    ['component'],
  );
  private readonly landedDamaged = this.counter(
    'landed_objects_damaged_total',
    'Landed objects found missing or damaged when read, by outcome: repaired from their backup copy, or unrepairable (the read failed, naming the object)',
    ['outcome'],
  );
  private readonly importDuration = new Histogram({
    name: `${P}import_duration_seconds`,
    help: 'Import runs, from start to the end written in the ledger (seconds)',
    labelNames: ['status'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  private readonly activityDuration = new Histogram({
    name: `${P}activity_duration_seconds`,
    help: 'Activity executions on this worker (seconds), by activity and outcome',
    labelNames: ['activity', 'outcome'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });
  private readonly fetched = this.counter('readings_fetched_total', 'Records fetched', ['source']);
  private readonly valid = this.counter('readings_valid_total', 'Records landed as valid readings', [
    'source',
  ]);
  private readonly rejected = this.counter('readings_rejected_total', 'Records quarantined, by reason', [
    'source',
    'reason',
  ]);
  private readonly duplicates = this.counter(
    'readings_duplicates_total',
    'Records already landed, identical',
    ['source'],
  );
  private readonly corrections = this.counter(
    'readings_corrections_total',
    'Records re-sent with new content (corrections)',
    ['source'],
  );

  private readonly landingStoreBytes = this.counter(
    'landing_store_bytes_total',
    'Bytes read from and written to the landing store by this worker, by activity (none: outside one) and direction',
    ['activity', 'direction'],
  );
  private readonly landingStoreRequests = this.counter(
    'landing_store_requests_total',
    'Requests to the landing store by this worker, by activity and direction (read: get, stat, list; write: put)',
    ['activity', 'direction'],
  );

  private readonly lastSuccessHour = this.gauge(
    'last_success_import_hour_seconds',
    'Newest import hour with a succeeded run (Unix seconds; 0 when none)',
  );
  private readonly lastSuccessFinish = this.gauge(
    'last_success_finish_seconds',
    'When the newest succeeded run finished (Unix seconds; 0 when none)',
  );
  private readonly sourceLastSuccessHour = this.gauge(
    'source_last_success_import_hour_seconds',
    'Newest import hour in which the source delivered (Unix seconds)',
    ['source'],
  );
  private readonly sourceLastSuccessFinish = this.gauge(
    'source_last_success_finish_seconds',
    'When the newest run in which the source delivered finished (Unix seconds)',
    ['source'],
  );
  private readonly latestHour = this.gauge('latest_hour_seconds', 'Newest import hour with a finished run');
  private readonly latestHourComplete = this.gauge(
    'latest_hour_complete',
    "1 when the newest finished hour's latest run succeeded, 0 when it is incomplete or failed",
  );
  private readonly latestCounted = this.gauge(
    'latest_hour_readings_counted',
    'Readings that count in the newest finished hour',
  );
  private readonly latestOutside = this.gauge(
    'latest_hour_readings_outside',
    'Readings of the newest finished hour outside every region',
  );
  private readonly regionPoints = this.gauge(
    'latest_hour_region_readings',
    'Readings per region in the newest aggregated hour (0: the region is silent)',
    ['region'],
  );
  private readonly recentReadings = this.gauge(
    'recent_readings',
    'Valid readings landed for the last 24 import hours',
  );
  private readonly recentQuarantined = this.gauge(
    'recent_quarantined_records',
    "The quarantine's size for the last 24 import hours",
  );
  private readonly latestBackupHour = this.gauge(
    'latest_backup_hour_seconds',
    'Newest hour with a complete backup (Unix seconds; 0 when none)',
  );

  /**
   * @param regions every region's name: a region missing from the newest hour reports 0
   * @param rejectedShareLimit CHECK_REJECTED_SHARE_MAX, exported so the alert rule uses the configured limit
   */
  constructor(
    private readonly regions: readonly string[],
    rejectedShareLimit: number,
  ) {
    this.gauge('rejected_share_limit', 'The configured CHECK_REJECTED_SHARE_MAX (a share, 0..1)').set(
      rejectedShareLimit,
    );
  }

  /** One count of landing store traffic (adapters/objectStore/metered.ts `TrafficListener`). */
  readonly countLandingStore = (activity: string, direction: string, bytes: number, requests: number) => {
    if (bytes > 0) this.landingStoreBytes.inc({ activity, direction }, bytes);
    if (requests > 0) this.landingStoreRequests.inc({ activity, direction }, requests);
  };

  observeActivity(activity: string, outcome: string, seconds: number): void {
    this.activityDuration.observe({ activity, outcome }, seconds);
  }

  /**
   * Records a run's end from its report: called once, where the ledger writes the end. A source
   * whose readings were reused (a rerun) fetched nothing now and is not counted again.
   */
  recordRunEnd(end: RunEnd): void {
    this.imports.inc({ status: end.status });
    if (end.status === 'failed') {
      const failure = (end.report as { failure?: unknown } | null)?.failure;
      this.importFailures.inc({ component: isFailureOrigin(failure) ? failure.component : 'unknown' });
    }
    this.importDuration.observe({ status: end.status }, end.durationSeconds);
    const sources = (end.report as Partial<ImportSummary> | null)?.sources ?? [];
    for (const fetch of sources) {
      if (fetch.reusedLanded || fetch.notFetched !== undefined) continue;
      const source = { source: fetch.source };
      this.fetched.inc(source, fetch.fetched);
      this.valid.inc(source, fetch.valid);
      this.duplicates.inc(source, fetch.duplicates);
      this.corrections.inc(source, fetch.corrections);
      for (const [reason, count] of Object.entries(fetch.rejectedByReason))
        this.rejected.inc({ source: fetch.source, reason }, count);
    }
  }

  /** Counts a landed object found missing or damaged when read (adapters/backup/landedObjects.ts). */
  recordLandedRepair(outcome: 'repaired' | 'unrepairable'): void {
    this.landedDamaged.inc({ outcome });
  }

  /** Sets the state gauges from what the database says now (called before each scrape). */
  setState(state: PipelineState): void {
    const seconds = (iso: string | null | undefined) => (iso ? Date.parse(iso) / 1000 : 0);
    this.lastSuccessHour.set(seconds(state.lastSuccess?.hour));
    this.lastSuccessFinish.set(seconds(state.lastSuccess?.finishedAt));
    for (const row of state.lastSuccessBySource) {
      this.sourceLastSuccessHour.set({ source: row.source }, seconds(row.hour));
      this.sourceLastSuccessFinish.set({ source: row.source }, seconds(row.finishedAt));
    }
    const newest = state.latestHours[0];
    if (newest) {
      this.latestHour.set(seconds(newest.hour));
      this.latestHourComplete.set(newest.status === 'succeeded' ? 1 : 0);
      this.latestCounted.set(newest.counted);
      this.latestOutside.set(newest.outside);
    }
    if (state.latestRegionPoints) {
      for (const region of this.regions)
        this.regionPoints.set({ region }, state.latestRegionPoints.points[region] ?? 0);
    }
    this.recentReadings.set(state.recent.readings);
    this.recentQuarantined.set(state.recent.quarantined);
    this.latestBackupHour.set(seconds(state.latestBackupHour));
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return new Counter({ name: `${P}${name}`, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[] = []): Gauge<L> {
    return new Gauge({ name: `${P}${name}`, help, labelNames, registers: [this.registry] });
  }
}
