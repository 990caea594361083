/**
 * What every data source gives the import: raw records, not yet validated (validation and the
 * quarantine happen in one place downstream, so every source's bad records are treated alike).
 */

export interface SourceBatch {
  /** The source's registered name: 'partner-api' | 'file-drop'. */
  source: string;
  /**
   * Identifies the batch for idempotent landing. Null for pull sources (the caller keys the batch
   * by import hour); for file-drop `file:<name>:<sha256 of content>`, so re-landing a file is detectable.
   */
  key: string | null;
  fetchedAt: Date;
  /** Raw parsed records (NDJSON items, CSV rows as objects), NOT validated: small file drops. */
  records?: unknown[];
  /** Or a local file holding the batch as one JSON array, exactly as received (the partner's answer). */
  bodyFile?: string;
  /** The sha256 of `bodyFile`, hashed while it was written (saves reading it again). */
  bodySha256?: string;
  /** `bodyFile` cut into (some of) `FetchOptions.partFiles` as it arrived, when it was. */
  bodyParts?: string[];
  /** What was unusual in how the batch came but did not stop it (logged by the fetch). */
  warnings?: string[];
}

export interface FetchOptions {
  /**
   * A source that downloads may also cut the body into these files (overwritten) while it arrives,
   * for the landing to read in parallel without copying it again.
   */
  partFiles?: readonly string[];
  /** Aborts the download (the activity was cancelled, e.g. the worker is shutting down). */
  signal?: AbortSignal;
}

export interface Source {
  readonly name: string;
  /**
   * Throws SourceError (retryable or not) on failure. A source that downloads writes its body
   * into a new file under `scratchDir` (the caller's, removed after landing; default: the OS's).
   */
  fetch(scratchDir?: string, options?: FetchOptions): Promise<SourceBatch[]>;
  /**
   * Called after the batch is durably landed. Must be idempotent (an activity retry calls it again)
   * and must work from `source` and `key` alone: it may run in another process than `fetch`.
   */
  acknowledge(batch: SourceBatch): Promise<void>;
}
