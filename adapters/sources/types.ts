/**
 * What every data source gives the import: raw records, not yet validated (validation and the
 * quarantine happen in one place downstream, so every source's bad records are treated alike).
 */

import type { ReceivedRecord } from '../../core/landingPlan';

export interface SourceBatch {
  /** The source's registered name: 'partner-api' | 'file-drop'. */
  source: string;
  /**
   * Identifies the batch for idempotent landing. Null for pull sources (the caller keys the batch
   * by import hour); for file-drop `file:<name>:<sha256 of content>`, so re-landing a file is detectable.
   */
  key: string | null;
  fetchedAt: Date;
  /** Raw parsed JSON items / CSV rows as objects, NOT validated. */
  records: unknown[];
  /** Each record's text as sent, in the order of `records`, when the source had one. */
  texts?: readonly (string | undefined)[];
  /** Records received but unreadable (not JSON): quarantined with their reason and text. */
  unreadable?: readonly ReceivedRecord[];
}

export interface Source {
  readonly name: string;
  /** Throws SourceError (retryable or not) on failure. */
  fetch(): Promise<SourceBatch[]>;
  /**
   * Called after the batch is durably landed. Must be idempotent (an activity retry calls it again)
   * and must work from `source` and `key` alone: it may run in another process than `fetch`.
   */
  acknowledge(batch: SourceBatch): Promise<void>;
}
