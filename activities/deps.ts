/** What the activities are built from (worker/runtime.ts builds it once from the configuration). */
import type { Knex } from 'knex';
import type { RegionIndex } from '../core/geo';
import type { ValidationLimits } from '../core/reading';
import type { QualitySettings } from '../core/quality';
import type { BackupStore } from '../adapters/backup/store';
import type { Source } from '../adapters/sources/types';
import type { ObjectStore } from '../adapters/objectStore/types';
import type { Analytics } from '../adapters/analytics/duckdb';
import type { CorrectionStrategy } from '../adapters/analytics/bucket';

export interface ActivityDeps {
  db: Knex;
  sources: readonly Source[];
  regionIndex: RegionIndex;
  regionsHash: string;
  backupStore: BackupStore;
  /** Where raw bodies and Parquet files land (LANDING_STORE_URL). */
  landingStore: ObjectStore;
  analytics: Analytics;
  /** A local folder for downloads and files being written; each activity uses its own subfolder. */
  scratchDir: string;
  now: () => Date;
  limits: ValidationLimits;
  correctionStrategy: CorrectionStrategy;
  sourceFailurePolicy: 'fail' | 'partial';
  quality: QualitySettings;
  fetchMaxLagHours: number;
  /** HOUR_BUCKETS: buckets of an hour landed for the first time. */
  hourBuckets: number;
  /** CORRECTION_HORIZON_HOURS. */
  correctionHorizonHours: number;
}
