/**
 * A worker-local cache in front of a remote landing store, for the objects read back soon after
 * they are written: the answer a landing puts, which its backup copy reads at once, and the Parquet
 * files, which the hour's bucket activities, its backup and the next hours' version lookups read
 * (on this worker, often). A put handed over (`move`) keeps a hard link to the file; a download
 * keeps one to what it fetched; `getFile` hands out a link of its own (the caller deletes it).
 * Objects are immutable, so a cached copy is never stale. Least recently used goes first past
 * LANDING_CACHE_MB. The cache is an optimisation, never a condition: a link that fails is a miss.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ListedObject, ObjectStore, ObjectWrite, PutOptions, StoredObject } from './types';
import { linkOrCopy } from '../files/linkOrCopy';

/**
 * The answers, the landed Parquet files and the version runs (core/landingKeys.ts): what the hour
 * reads again (the buckets read the files, the backup copies all three).
 */
export function isReadAgain(key: string): boolean {
  return (
    key.startsWith('raw/') ||
    (key.startsWith('landing/') && key.endsWith('.parquet')) ||
    (key.startsWith('versions/') && key.endsWith('.run'))
  );
}

export class CachedObjectStore implements ObjectStore {
  readonly url: string;
  /** In use order, least recent first (a hit moves its entry to the end). */
  private readonly entries = new Map<string, { file: string; bytes: number }>();
  private bytes = 0;
  /** Hits and misses of `getFile`, for the benchmark and the tests. */
  readonly stats = { hits: 0, misses: 0 };

  constructor(
    readonly inner: ObjectStore,
    /** A private folder of this worker (removed with its scratch folder). */
    readonly dir: string,
    readonly maxBytes: number,
    readonly keep: (key: string) => boolean = isReadAgain,
  ) {
    this.url = inner.url;
  }

  async putFile(key: string, localPath: string, options?: PutOptions): Promise<StoredObject> {
    const stored = await this.inner.putFile(key, localPath, options);
    if (options?.move === true) await this.admit(key, localPath, stored.bytes);
    return stored;
  }

  /** The bytes also go to a file here as they pass, kept like a moved put's once the write completes. */
  openWrite(key: string): ObjectWrite {
    const write = this.inner.openWrite(key);
    if (!this.keep(key)) return write;
    mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, randomUUID());
    const local = createWriteStream(file);
    let kept = true;
    // A local copy that fails only costs the cache its entry.
    local.on('error', () => (kept = false));
    const tee = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        if (kept) local.write(chunk);
        done(null, chunk);
      },
    });
    write.stream.on('error', (error: Error) => tee.destroy(error));
    tee.pipe(write.stream);
    const dropLocal = async () => {
      local.destroy();
      await fs.rm(file, { force: true }).catch(() => undefined);
    };
    return {
      stream: tee,
      complete: async () => {
        try {
          const passed = once(tee, 'end');
          tee.end();
          await passed;
          const stored = await write.complete();
          local.end();
          await finished(local).catch(() => (kept = false));
          if (kept) await this.admit(key, file, stored.bytes);
          return stored;
        } finally {
          await dropLocal();
        }
      },
      abort: async () => {
        tee.destroy();
        await dropLocal();
        await write.abort();
      },
    };
  }

  /** A repaired object replaces the store's copy: a cached copy of the old bytes is dropped first. */
  async replaceFile(key: string, localPath: string, sha256: string): Promise<StoredObject> {
    await this.evict(key);
    return this.inner.replaceFile(key, localPath, sha256);
  }

  async getFile(key: string, scratchDir: string): Promise<string> {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      const target = path.join(scratchDir, `${randomUUID()}-${path.posix.basename(key)}`);
      try {
        await fs.mkdir(scratchDir, { recursive: true });
        await linkOrCopy(entry.file, target);
        this.entries.delete(key);
        this.entries.set(key, entry);
        this.stats.hits += 1;
        return target;
      } catch {
        await this.evict(key);
      }
    }
    this.stats.misses += 1;
    const file = await this.inner.getFile(key, scratchDir);
    await this.admit(key, file, (await fs.stat(file)).size);
    return file;
  }

  openRead(key: string): Promise<NodeJS.ReadableStream> {
    return this.inner.openRead(key);
  }

  stat(key: string): Promise<{ bytes: number } | undefined> {
    return this.inner.stat(key);
  }

  check(): Promise<void> {
    return this.inner.check();
  }

  list(prefix: string): AsyncIterable<ListedObject> {
    return this.inner.list(prefix);
  }

  async delete(key: string): Promise<void> {
    await this.evict(key);
    await this.inner.delete(key);
  }

  private async admit(key: string, from: string, bytes: number): Promise<void> {
    if (!this.keep(key) || bytes > this.maxBytes || this.entries.has(key)) return;
    const file = path.join(this.dir, randomUUID());
    try {
      await fs.mkdir(this.dir, { recursive: true });
      await linkOrCopy(from, file);
    } catch {
      await fs.rm(file, { force: true }).catch(() => undefined);
      return;
    }
    if (this.entries.has(key)) {
      await fs.rm(file, { force: true }).catch(() => undefined);
      return;
    }
    this.entries.set(key, { file, bytes });
    this.bytes += bytes;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      await this.evict(oldest);
    }
  }

  private async evict(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    await fs.rm(entry.file, { force: true }).catch(() => undefined);
  }
}
