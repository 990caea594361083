/** What activities take and return: references and small summaries, never the readings themselves. */
import type { RegionAggregate } from '../core/aggregate';
import type { LandingCounts } from '../core/landingPlan';

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
}

export interface AssignSummary {
  readings: number;
  inRegion: number;
  outside: number;
  /** Of those outside, how many fall inside a region with latitude and longitude swapped. */
  outsideInsideIfSwapped?: number;
}

export interface HourStats {
  /** Readings that count in the hour (one version per reading). */
  counted: number;
  outside: number;
  countryMismatches: { franceOutside: number; foreignInside: number };
  pointsPerRegion: Record<string, number>;
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

export interface HourRecompute extends AggregateResult {
  assigned: AssignSummary;
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
