/**
 * An object store that knows which one it is: the landing store (LANDING_STORE_URL) or the backup
 * store (BACKUP_DIR). Every failure it lets through carries that origin (core/failureOrigin.ts) and
 * says so first in its message, so that a store outage is never read as the partner's failure; a
 * folder store's disk refusing a write (full, read-only) is named as the disk.
 */
import { ObjectStoreError, isDiskFailure, isPipelineError } from '../../core/errors';
import { describeOrigin, type FailureOrigin } from '../../core/failureOrigin';
import type { ListedObject, ObjectStore, ObjectWrite, PutOptions, StoredObject } from './types';

export class NamedObjectStore implements ObjectStore {
  readonly url: string;

  constructor(
    readonly inner: ObjectStore,
    /** The store's component and settings, e.g. `landing-store`, `LANDING_STORE_URL, S3_ENDPOINT`. */
    readonly origin: FailureOrigin,
  ) {
    this.url = inner.url;
  }

  /** The error with this store's origin: a PipelineError keeps its kind, anything else becomes an ObjectStoreError. */
  private named(error: unknown): unknown {
    const origin: FailureOrigin = isDiskFailure(error)
      ? { component: 'disk', setting: this.origin.setting }
      : this.origin;
    if (isPipelineError(error)) {
      if (error.origin !== undefined) return error;
      error.origin = origin;
      error.message = `${describeOrigin(origin)}: ${error.message}`;
      return error;
    }
    const message = error instanceof Error ? error.message : String(error);
    return new ObjectStoreError(`${describeOrigin(origin)}: ${this.url}: ${message}`, {
      retryable: true,
      cause: error,
      origin,
    });
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.named(error);
    }
  }

  putFile(key: string, localPath: string, options?: PutOptions): Promise<StoredObject> {
    return this.call(() => this.inner.putFile(key, localPath, options));
  }

  openWrite(key: string): ObjectWrite {
    try {
      const write = this.inner.openWrite(key);
      return { ...write, complete: () => this.call(() => write.complete()) };
    } catch (error) {
      throw this.named(error);
    }
  }

  replaceFile(key: string, localPath: string, sha256: string): Promise<StoredObject> {
    return this.call(() => this.inner.replaceFile(key, localPath, sha256));
  }

  getFile(key: string, scratchDir: string): Promise<string> {
    return this.call(() => this.inner.getFile(key, scratchDir));
  }

  openRead(key: string): Promise<NodeJS.ReadableStream> {
    return this.call(() => this.inner.openRead(key));
  }

  stat(key: string): Promise<{ bytes: number } | undefined> {
    return this.call(() => this.inner.stat(key));
  }

  check(): Promise<void> {
    return this.call(() => this.inner.check());
  }

  delete(key: string): Promise<void> {
    return this.call(() => this.inner.delete(key));
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    try {
      yield* this.inner.list(prefix);
    } catch (error) {
      throw this.named(error);
    }
  }
}
