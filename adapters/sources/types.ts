import type { PartListing, PartRef } from '../../core/parts';

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
  /**
   * A source that downloads one answer gives its bytes here too, in order, as they arrive (the
   * landing's copy of the answer into its store, adapters/landing/incoming.ts).
   */
  onBytes?: (chunk: Buffer) => void;
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

/**
 * A source that delivers an hour in parts (issue 27: a paged API, an object-store or a file drop):
 * each part is landed by its own activity, on any worker (activities/parts.ts). Parts are small
 * references in the workflow's history; their bytes go from the source to the landing store.
 */
export interface PartedSource extends Source {
  /**
   * The hour's parts as far as they are known now: all of them (a drop with its manifest, a
   * folder's files), or the first (a paged API, whose next pages are known from each page). Throws
   * SourceError: retryable while the hour is not complete yet (no manifest), not when it never
   * will be (a part the manifest lists is missing).
   */
  listParts(hour: Date, options?: FetchOptions): Promise<PartListing>;
  /**
   * Fetches one part into a new file under `scratchDir`, checked against what was announced
   * (size, sha256, page number). `next`: the parts it revealed (a page's successor), [] otherwise.
   * Never fetches another part.
   */
  fetchPart(
    hour: Date,
    part: PartRef,
    scratchDir: string,
    options?: FetchOptions,
  ): Promise<{ batch: SourceBatch; next: PartRef[] }>;
}

export function isPartedSource(source: Source): source is PartedSource {
  const parted = source as Partial<PartedSource>;
  return typeof parted.listParts === 'function' && typeof parted.fetchPart === 'function';
}
