/** What activities take and return: references and small summaries, never the readings themselves. */
import type { RegionAggregate } from '../core/aggregate';
import type { LandingCounts } from '../core/landingPlan';
import type { HourStats } from '../core/hourStats';
import type { BucketResult } from '../core/bucket';

export type { HourStats };

export type ImportTrigger = 'schedule' | 'manual' | 'backfill';

export interface StartImportInput {
  hour: string;
  workflowId: string;
  runId: string;
  trigger: ImportTrigger;
}

export interface StartImportResult {
  sources: string[];
  regionsHash: string;
  sourceFailurePolicy: 'fail' | 'partial';
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
}

/** Which of the hour's buckets must be computed; the others' results, reused. */
export interface HourPlan {
  bucketCount: number;
  stale: number[];
  fresh: BucketOutcome[];
}

export interface HourRecompute extends AggregateResult {
  assigned: AssignSummary;
  /** The hour's bucket count and the buckets computed in this run (the others were reused). */
  buckets: { count: number; computed: number[] };
}

/** Which hours of a range a backfill recomputes. */
export type BackfillSelection = 'missing' | 'failed' | 'all';

export interface BackfillPlan {
  /** Hours to recompute, oldest first. */
  planned: string[];
  /** Hours in the range with nothing landed: reported, never invented. */
  noLandedData: string[];
  /** Hours with landed data that the selection leaves alone. */
  skipped: string[];
}
