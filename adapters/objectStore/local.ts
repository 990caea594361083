/**
 * A folder as an append-only object store: `<root>/<key>`. A write is copied into `<root>/.tmp/`
 * (same file system) while the source is hashed, is flushed to disk, then hard-linked to its key: `link` fails
 * when the key exists, so two writers can never replace each other's file and a reader never sees
 * a partial one. A file handed over (`move`, on the same file system) is flushed and linked as it
 * is, without a copy. Keys follow core/storeLocation's rule.
 */
import { randomUUID } from 'node:crypto';
import { constants as fsConstants, createReadStream, createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  ChecksumMismatchError,
  ObjectExistsError,
  ObjectNotFoundError,
  ObjectStoreError,
} from '../../core/errors';
import { formatStoreLocation } from '../../core/storeLocation';
import { copyUncached, dropFromPageCache } from '../files/pageCache';
import { checkKey, checkPrefix, hashingStream, sha256OfStream } from './keys';
import type { ObjectStore, ObjectWrite, PutOptions, StoredObject, ListedObject } from './types';

const TMP = '.tmp';

export class LocalObjectStore implements ObjectStore {
  readonly url: string;

  constructor(readonly root: string) {
    this.url = formatStoreLocation({ kind: 'folder', path: root });
  }

  private pathOf(key: string): string {
    checkKey(this.url, key);
    return path.join(this.root, ...key.split('/'));
  }

  async putFile(key: string, localPath: string, options: PutOptions = {}): Promise<StoredObject> {
    const target = this.pathOf(key);
    try {
      await fs.mkdir(path.dirname(target), { recursive: true });
      const drop = options.readSoon !== true;
      if (options.move === true) {
        const moved = await this.linkInPlace(key, localPath, target, options.sha256, drop);
        if (moved !== undefined) return moved;
      }
      return await this.copyIn(key, localPath, target, options.sha256, drop);
    } catch (error) {
      throw this.wrap(error, `cannot write ${key}`);
    }
  }

  /**
   * A file handed over, on the same file system: flushed, then linked under the key (no copy).
   * Undefined when it is on another file system: it is copied instead.
   */
  private async linkInPlace(
    key: string,
    localPath: string,
    target: string,
    sha256: string | undefined,
    drop: boolean,
  ): Promise<StoredObject | undefined> {
    const stored: StoredObject = sha256
      ? { key, bytes: (await fs.stat(localPath)).size, sha256 }
      : { key, ...(await sha256OfStream(createReadStream(localPath))) };
    await flush(localPath, drop);
    try {
      await fs.link(localPath, target);
      return stored;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return await this.sameOrRefuse(stored, target);
      if (code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP')
        return undefined;
      throw error;
    }
  }

  /** Streams a copy into `.tmp/` while hashing it, flushes it, then links it under the key. */
  private async copyIn(
    key: string,
    localPath: string,
    target: string,
    expected: string | undefined,
    drop: boolean,
  ): Promise<StoredObject> {
    const tempDir = path.join(this.root, TMP);
    const temp = path.join(tempDir, randomUUID());
    try {
      await fs.mkdir(tempDir, { recursive: true });
      // The kernel copies (dd straight to disk, or copy_file_range) while the source is hashed: the
      // objects are immutable, so the hash of the source is the hash of the copy. Faster than
      // hashing on the way through a stream (docs/scaling.md §2.1).
      const { size } = await fs.stat(localPath);
      // Both settle before anything is cleaned up: a copy still running must not write `temp` again
      // after the `finally` below removed it.
      const [copy, hashing] = await Promise.allSettled([
        // A copy to be read again soon (PutOptions.readSoon) is made through the page cache.
        (drop ? copyUncached(localPath, temp, size) : Promise.resolve(false)).then(async (copied) => {
          if (!copied) await fs.copyFile(localPath, temp, fsConstants.COPYFILE_EXCL);
          return copied;
        }),
        sha256OfStream(createReadStream(localPath, { highWaterMark: 1 << 20 })),
      ]);
      if (hashing.status === 'rejected') throw hashing.reason;
      if (copy.status === 'rejected') throw copy.reason;
      const uncached = copy.value;
      const stored: StoredObject = { key, ...hashing.value };
      if (expected !== undefined && stored.sha256 !== expected)
        throw new ChecksumMismatchError(this.url, key, stored.sha256, expected);
      // Durable before it is visible: a crash after the link never leaves a key with lost bytes.
      await flush(temp, !uncached && drop);
      try {
        await fs.link(temp, target);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return await this.sameOrRefuse(stored, target);
        // A file system without hard links (some network and container mounts): check, then
        // rename. A writer racing in between could be replaced, which the link rules out elsewhere.
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
        if (await this.stat(key)) return await this.sameOrRefuse(stored, target);
        await fs.rename(temp, target);
      }
      return stored;
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /** Bytes into a file of `.tmp/` as they come; flushed, then linked under the key by `complete`. */
  openWrite(key: string): ObjectWrite {
    const target = this.pathOf(key);
    const temp = path.join(this.root, TMP, randomUUID());
    const hashing = hashingStream();
    const ready = fs.mkdir(path.dirname(temp), { recursive: true });
    const file = ready.then(() => createWriteStream(temp, { flags: 'wx', highWaterMark: 1 << 20 }));
    // Hashed on the way in; the file stream opens once its folder exists.
    hashing.stream.pause();
    const written = file.then(async (out) => {
      hashing.stream.pipe(out);
      hashing.stream.resume();
      await finished(out);
    });
    written.catch((error: unknown) => hashing.stream.destroy(error as Error));
    return {
      stream: hashing.stream,
      complete: async () => {
        try {
          hashing.stream.end();
          await written;
          const stored: StoredObject = { key, ...hashing.digest() };
          await flush(temp, true);
          await fs.mkdir(path.dirname(target), { recursive: true });
          try {
            await fs.link(temp, target);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
            return await this.sameOrRefuse(stored, target);
          }
          return stored;
        } catch (error) {
          throw this.wrap(error, `cannot write ${key}`);
        } finally {
          await fs.rm(temp, { force: true });
        }
      },
      abort: async () => {
        hashing.stream.destroy();
        (await file.catch(() => undefined))?.destroy();
        await written.catch(() => undefined);
        await fs.rm(temp, { force: true });
      },
    };
  }

  /** A copy into `.tmp/`, hashed and checked, flushed, then renamed over the key (atomic). */
  async replaceFile(key: string, localPath: string, sha256: string): Promise<StoredObject> {
    const target = this.pathOf(key);
    const temp = path.join(this.root, TMP, randomUUID());
    try {
      await fs.mkdir(path.dirname(temp), { recursive: true });
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.copyFile(localPath, temp, fsConstants.COPYFILE_EXCL);
      const stored: StoredObject = { key, ...(await sha256OfStream(createReadStream(temp))) };
      if (stored.sha256 !== sha256) throw new ChecksumMismatchError(this.url, key, stored.sha256, sha256);
      await flush(temp, true);
      await fs.rename(temp, target);
      return stored;
    } catch (error) {
      throw this.wrap(error, `cannot replace ${key}`);
    } finally {
      await fs.rm(temp, { force: true });
    }
  }

  /** An identical object is an idempotent retry; different bytes are refused. */
  private async sameOrRefuse(wanted: StoredObject, target: string): Promise<StoredObject> {
    const existing = await sha256OfStream(createReadStream(target));
    if (existing.sha256 === wanted.sha256 && existing.bytes === wanted.bytes) return wanted;
    throw new ObjectExistsError(
      this.url,
      wanted.key,
      `stored sha256 ${existing.sha256.slice(0, 12)}…, new ${wanted.sha256.slice(0, 12)}…`,
    );
  }

  /** The file itself: a folder store needs no scratch copy. */
  async getFile(key: string, _scratchDir?: string): Promise<string> {
    const file = this.pathOf(key);
    await this.stat(key).then((found) => {
      if (found === undefined) throw new ObjectNotFoundError(this.url, key);
    });
    return file;
  }

  async openRead(key: string): Promise<NodeJS.ReadableStream> {
    const file = this.pathOf(key);
    // Opened first, so that a missing object rejects here rather than as a stream error later.
    const handle = await fs.open(file, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') throw new ObjectNotFoundError(this.url, key);
      throw this.wrap(error, `cannot read ${key}`);
    });
    return handle.createReadStream();
  }

  async stat(key: string): Promise<{ bytes: number } | undefined> {
    const file = this.pathOf(key);
    try {
      const info = await fs.stat(file);
      return info.isFile() ? { bytes: info.size } : undefined;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw this.wrap(error, `cannot stat ${key}`);
    }
  }

  /**
   * Walks the folders under the prefix depth first. Siblings are sorted by name, with "/" appended
   * to folder names, which yields exactly the keys' string order (folder "a" holds keys "a/…",
   * which sort after "a-b" and before "a0").
   */
  async *list(prefix: string): AsyncIterable<ListedObject> {
    checkPrefix(this.url, prefix);
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    yield* this.walk(start, prefix);
  }

  private async *walk(folderKey: string, prefix: string): AsyncIterable<ListedObject> {
    const dir = path.join(this.root, ...folderKey.split('/').filter((s) => s !== ''));
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
      throw this.wrap(error, `cannot list ${folderKey || '/'}`);
    });
    const named = entries
      .filter((entry) => !entry.name.startsWith('.') && (entry.isDirectory() || entry.isFile()))
      .map((entry) => ({ entry, sortName: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => (a.sortName < b.sortName ? -1 : a.sortName > b.sortName ? 1 : 0));
    for (const { entry, sortName } of named) {
      const key = folderKey + sortName;
      if (entry.isDirectory()) {
        // Descend only where keys can still match the prefix.
        if (key.startsWith(prefix) || prefix.startsWith(key)) yield* this.walk(key, prefix);
      } else if (key.startsWith(prefix)) {
        const info = await fs.stat(path.join(dir, entry.name)).catch(() => undefined);
        if (info) yield { key, bytes: info.size, writtenAt: info.mtime };
      }
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await fs.rm(this.pathOf(key), { force: true });
    } catch (error) {
      throw this.wrap(error, `cannot delete ${key}`);
    }
  }

  /** The folder exists (made if missing: a folder, unlike a bucket, is ours to make) and we may write in it. */
  async check(): Promise<void> {
    try {
      await fs.mkdir(this.root, { recursive: true });
      await fs.access(this.root, fsConstants.W_OK | fsConstants.X_OK);
    } catch (error) {
      throw this.wrap(error, 'cannot write in the folder');
    }
  }

  private wrap(error: unknown, what: string): unknown {
    if (typeof error === 'object' && error !== null && 'isPipelineError' in error) return error;
    const code = (error as NodeJS.ErrnoException).code;
    // A full or read-only disk may be fixed by an operator; a retry is then the right thing.
    return new ObjectStoreError(`${this.url}: ${what}: ${(error as Error).message}`, {
      retryable: !['EISDIR', 'ENOTDIR', 'EEXIST', 'ENAMETOOLONG'].includes(code ?? ''),
      cause: error,
    });
  }
}

/**
 * fsync: the file's bytes are on disk (whichever descriptor asks, the file is flushed). Then a large
 * file leaves the page cache (adapters/files/pageCache.ts).
 */
async function flush(file: string, drop: boolean): Promise<void> {
  const handle = await fs.open(file, 'r');
  let size: number;
  try {
    ({ size } = await handle.stat());
    await handle.sync();
  } finally {
    await handle.close();
  }
  // Stored objects are written once and read again at most once or twice, soon after.
  if (drop) await dropFromPageCache(file, size);
}
