/**
 * The landing store's contract: an append-only set of immutable objects (Parquet files, raw partner
 * answers, backup files) under string keys, kept in a local folder or an S3-compatible bucket.
 * Keys are relative POSIX paths ("<store id>/landing/source=…/import_hour=…/bucket=07/part-….parquet");
 * every implementation refuses, with a non-retryable ObjectStoreError, keys that break
 * core/storeLocation's rule: "/"-separated non-empty parts of ASCII letters, digits and
 * !-_.*'()=:+,@~, none starting with "." (so no "..", leading "/", backslash or space).
 *
 * Implementations: `LocalObjectStore` (a folder; write = temporary file, fsync, then a hard link to
 * the key, which fails if the key exists) and `S3ObjectStore` (`@aws-sdk/client-s3`; write = HEAD,
 * then a streamed conditional put `If-None-Match: *`, honoured by AWS and SeaweedFS, with the sha256
 * as object metadata). `openObjectStore(url, s3Settings)` picks one from `file:///abs/path`, a plain
 * path, or `s3://bucket/prefix`. `bindObjectStore(db, store)` (adapters/db/storeIdentity.ts) gives
 * the view under the database's store id that the pipeline writes through.
 */
export interface StoredObject {
  key: string;
  bytes: number;
  /** Lower-case hex sha256 of the object's bytes. */
  sha256: string;
}

/** What the caller knows of a file it puts. */
export interface PutOptions {
  /**
   * The sha256 the file must have. A store that reads the file checks it and refuses a file that
   * differs with ChecksumMismatchError, before anything is visible under the key. With `move` on
   * a folder store, it is taken as the file's checksum without reading the file again.
   */
  sha256?: string;
  /**
   * The caller hands the file over and never changes it again (a download, a file DuckDB wrote):
   * a folder store on the same file system links it under the key instead of copying it.
   */
  move?: boolean;
  /**
   * The caller reads the object again at once (the raw answer, which its backup copy reads beside
   * the parsing): with PAGE_CACHE_TUNING on, a folder store leaves it in the page cache, and that
   * reader drops it (adapters/files/pageCache.ts) instead of reading it back from disk into new
   * memory. A hint: with the tuning off nothing is dropped anyway.
   */
  readSoon?: boolean;
}

/** One object of a listing. */
export interface ListedObject {
  key: string;
  bytes: number;
  /** When it was written (the file's mtime, S3's LastModified): housekeeping's grace period reads it. */
  writtenAt: Date;
}

/**
 * A write under a key as its bytes arrive (`ObjectStore.openWrite`): nothing is visible under the key
 * until `complete` resolves, and `abort` leaves nothing behind.
 */
export interface ObjectWrite {
  /** Where the bytes go, in order. Errors (the store away) are emitted here too. */
  readonly stream: NodeJS.WritableStream & { readonly writableLength: number };
  /** Ends the bytes; resolves once the object is whole under the key, with its size and sha256. */
  complete(): Promise<StoredObject>;
  /** Gives the write up: the key stays absent. Never rejects. */
  abort(): Promise<void>;
}

export interface ObjectStore {
  /** Where the store is, for messages: `file:///…` or `s3://bucket/prefix` (never credentials). */
  readonly url: string;
  /**
   * Writes a local file under `key`, once. Streams the file (bounded memory, any size).
   * Resolves with its size and sha256. When `key` exists already with the same sha256 it resolves
   * with the existing object (an idempotent retry); with different bytes it rejects with
   * ObjectExistsError (never rewritten). Network/disk errors reject with a retryable error.
   */
  putFile(key: string, localPath: string, options?: PutOptions): Promise<StoredObject>;
  /**
   * Writes under `key` (new: no object there) the bytes written to the returned stream, as they
   * come: S3 as a streamed multipart upload, a folder as a temporary file linked at the end. Rejects
   * (from `complete`) with a retryable error when the store fails, ObjectExistsError when the key
   * holds other bytes.
   */
  openWrite(key: string): ObjectWrite;
  /**
   * Writes `localPath` under `key` whether or not an object is there: the one rewrite, for the
   * repair of a landed object found missing or damaged, from a backup copy whose bytes are the
   * recorded ones. Checks the file's sha256 against `sha256` first (ChecksumMismatchError, nothing
   * written); a reader sees the old object or the new, never part of one.
   */
  replaceFile(key: string, localPath: string, sha256: string): Promise<StoredObject>;
  /**
   * A local path holding the object's bytes: the file itself for a folder store, a download into
   * `scratchDir` for S3, which the caller deletes when done. Rejects with ObjectNotFoundError when absent.
   */
  getFile(key: string, scratchDir: string): Promise<string>;
  /** A readable stream of the object's bytes (for backups and checksums). */
  openRead(key: string): Promise<NodeJS.ReadableStream>;
  /** Size of the object, or undefined when absent. */
  stat(key: string): Promise<{ bytes: number } | undefined>;
  /**
   * Every object whose key starts with `prefix` ('' for all), in key (byte) order. The S3 store
   * sorts a listing itself (SeaweedFS lists folder by folder), holding its keys in memory.
   */
  list(prefix: string): AsyncIterable<ListedObject>;
  /**
   * Removes the object (absent already: nothing to do). Objects are written once and kept: only
   * the housekeeping of objects no batch recorded calls this (adapters/landing/unrecorded.ts).
   */
  delete(key: string): Promise<void>;
  /**
   * Is the store usable: reachable, credentials accepted, the bucket (or folder) there? Rejects
   * with an ObjectStoreError saying which. Never creates a bucket. Called by a worker at start.
   */
  check(): Promise<void>;
}
