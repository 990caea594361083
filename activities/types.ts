/** What activities take and return: references and small summaries, never the readings themselves. */
import type { RegionAggregate } from '../core/aggregate';
import type { LandingCounts } from '../core/landingPlan';
import type { BackfillPlan, BackfillSelection } from '../core/backfillPlan';
import type { HourStats } from '../core/hourStats';
import type { BucketResult } from '../core/bucket';
import type { SourceFailurePolicy } from '../core/policies';
import type { FailureOrigin } from '../core/failureOrigin';
import type { ImportSummary } from '../workflows/summary';
import type { EndedRunStatus } from '../core/policies';
import type { PartRef } from '../core/parts';

export type { BackfillPlan, BackfillSelection, HourStats };

export type ImportTrigger = 'schedule' | 'manual' | 'backfill';

export interface StartImportInput {
  hour: string;
  workflowId: string;
  runId: string;
  trigger: ImportTrigger;
}

export interface StartImportResult {
  sources: string[];
  /**
   * The sources landed in parts (listParts, then one landPart per part), and how many parts of a
   * source land at once (PARTS_CONCURRENCY). Absent in runs started before parts existed.
   */
  parts?: { sources: string[]; concurrency: number };
  regionsHash: string;
  sourceFailurePolicy: SourceFailurePolicy;
}

export interface FetchSourceInput {
  hour: string;
  runId: string;
  source: string;
  refetch: boolean;
}

export interface FetchSummary extends LandingCounts {
  source: string;
  /** True when the hour's readings were already landed and the source was not called. */
  reusedLanded: boolean;
  /** Set when nothing was landed for the hour and it is too old to fetch: why. */
  notFetched?: string;
  batches: number;
  /** Earlier import hours that received a correction in this fetch, ISO. */
  correctedHours: string[];
  /** Seconds per stage of the fetch (download, store, parse, …), when the source was called. */
  stageSeconds?: Record<string, number>;
}

export interface AssignSummary {
  /** Readings counted in the hour (one version each), placed by the region index. */
  readings: number;
  inRegion: number;
  outside: number;
}

export interface AggregateResult {
  aggregates: RegionAggregate[];
  stats: HourStats;
}

export interface PersistSummary {
  upserted: number;
  deleted: number;
}

export interface BackupSummary {
  folder: string;
  files: { name: string; rows: number }[];
}

/** A bucket's partial result, computed now or reused from `hour_partials`. */
export interface BucketOutcome {
  bucket: number;
  result: BucketResult;
  /** True when the stored result was still valid (its files unchanged) and nothing was read. */
  reused: boolean;
  files: number;
  /** Deltas applied to the stored result instead of reading its files (corrections of the hour). */
  deltas?: number;
  /** Seconds in each stage of the computation, when it ran (for the benchmark). */
  stageSeconds?: Record<string, number>;
}

/** Which of the hour's buckets must be computed; the others' results, reused. */
export interface HourPlan {
  bucketCount: number;
  stale: number[];
  fresh: BucketOutcome[];
}

/** What `refreshHours` did with the corrected hours it was given, each in the given order. */
export interface HoursRefresh {
  /** Planned, merged and persisted: every bucket was reused or updated by its deltas. */
  refreshed: string[];
  /** With buckets to compute from their files: the workflow computes and persists them. */
  pending: string[];
}

export interface HourRecompute extends AggregateResult {
  assigned: AssignSummary;
  /** The hour's bucket count and the buckets computed in this run (the others were reused). */
  buckets: { count: number; computed: number[] };
}

/** A source that failed in a run, and its deepest error message. */
export interface SourceFailure {
  source: string;
  error: string;
  /** The part that failed and the setting to check, when the failure said (core/failureOrigin.ts). */
  origin?: FailureOrigin;
}

/** What a failed run got to before it failed, stored in its ledger row. */
export interface PartialRunReport {
  fetches: FetchSummary[];
  failedSources: SourceFailure[];
  recomputedHours: string[];
}

/**
 * The ledger row's `report`: the summary of a run that got to its end, or what a failed one got to;
 * `failure` names the part that failed and the setting to check.
 */
export type RunReport = (ImportSummary | PartialRunReport) & { failure?: FailureOrigin };

export interface FinishImportInput {
  runId: string;
  status: EndedRunStatus;
  report: RunReport;
  /** Why the run failed ('cancelled' for a cancelled one); null when it did not. */
  error: string | null;
}

/** A part of a source's hour with the batch key it lands under (activities/parts.ts). */
export interface PartTask extends PartRef {
  batchKey: string;
  /** For a refetch: the key prefix of the hour's earlier batches that the parts replace. */
  supersedePrefix?: string;
}

/**
 * What `listParts` found for a source's hour: the parts to land, or, when the source is not to be
 * called (landed by another run, too old), the summary to use as the source's.
 */
export interface PartsPlan {
  source: string;
  parts: PartTask[];
  summary?: FetchSummary;
  /** Objects or files seen and not landed (not in the hour's manifest), with why. */
  ignored: string[];
}

export interface PartInput {
  hour: string;
  runId: string;
  source: string;
  part: PartTask;
}
