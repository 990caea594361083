/** What the activities are built from (worker/runtime.ts builds it once from the configuration). */
import type { Knex } from 'knex';
import type { RegionIndex } from '../core/geo';
import type { ValidationLimits } from '../core/reading';
import type { QualitySettings } from '../core/quality';
import type { BucketSettings } from '../core/bucket';
import type { BackupStore } from '../adapters/backup/store';
import type { Source } from '../adapters/sources/types';
import type { ObjectStore } from '../adapters/objectStore/types';
import type { Analytics } from '../adapters/analytics/duckdb';
import type { CorrectionStrategy, SourceFailurePolicy } from '../core/policies';
import type { DatabaseTarget } from '../adapters/db/connection';
import type { RunEndEvent } from './ledger';
import type { ParkedAnswers } from '../adapters/files/parkedAnswers';
import type { RecordedObject, RepairOutcome } from '../adapters/backup/landedObjects';
import type { LookUpEarlierVersions } from '../adapters/landing';
import type { TrafficMeter } from '../adapters/objectStore/metered';

export interface ActivityDeps {
  db: Knex;
  sources: readonly Source[];
  regionIndex: RegionIndex;
  regionsHash: string;
  backupStore: BackupStore;
  /** Where raw bodies and Parquet files land (LANDING_STORE_URL). */
  landingStore: ObjectStore;
  /** Counts `landingStore`'s traffic (adapters/objectStore/metered.ts); each activity is measured in it. */
  landingTraffic?: TrafficMeter;
  analytics: Analytics;
  /** A local folder for downloads and files being written; each activity uses its own subfolder. */
  scratchDir: string;
  /** VERSION_INDEX: the landing's lookup of earlier versions uses the version index. */
  versionIndex?: boolean;
  now: () => Date;
  limits: ValidationLimits;
  correctionStrategy: CorrectionStrategy;
  sourceFailurePolicy: SourceFailurePolicy;
  quality: QualitySettings;
  fetchMaxLagHours: number;
  /** HOUR_BUCKETS, HOUR_BUCKET_READINGS: the buckets of an hour landed for the first time. */
  buckets: BucketSettings;
  /** CORRECTION_HORIZON_HOURS. */
  correctionHorizonHours: number;
  /** Answers downloaded and not yet in the landing store and the database (DATA_DIR/scratch/answers). */
  parkedAnswers?: ParkedAnswers;
  /** Where the landing finds earlier versions (adapters/landing/versions.ts); default: the landed files. */
  lookUpEarlierVersions?: LookUpEarlierVersions;
  /** PARTS_CONCURRENCY: parts of a source's hour landed at once; default DEFAULT_PARTS_CONCURRENCY (core/parts.ts). */
  partsConcurrency?: number;
  /** LANDING_STORE_RETRY_BUDGET_MS; default 0 (no retry inside the activity). */
  storeRetryBudgetMs?: number;
  /** Told of each run's end once the ledger has it (the metrics); must not throw. */
  onRunEnd?: (end: RunEndEvent) => Promise<void>;
  /** Told of each landed object found missing or damaged when read, repaired or not (the metrics). */
  onLandedRepair?: (outcome: RepairOutcome, object: RecordedObject) => void;
  /** Named in database failure messages (never the URL); absent in tests that do not care. */
  database?: DatabaseTarget;
}
