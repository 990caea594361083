/**
 * The worker's cache of version runs (adapters/versions/localIndex.ts), in one folder
 * (VERSION_CACHE_DIR). `sync` makes the cache hold exactly a source's live runs: a run the worker
 * wrote is adopted from its own file (never downloaded again), another is downloaded once, and runs
 * that left the horizon or whose batch a refetch retired are dropped, so memory follows the horizon.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { newestVersions, type FoundVersion } from '../../core/versionChoice';
import type { HashCheck } from '../../core/versionRun';
import { LocalRun, type LocalIndexSettings, type SortedHashes } from './localIndex';

/**
 * Bits of filter per run entry: 16 bits (8 set per key in a 512-bit block) answer "maybe" for about
 * 0.07 % of the ids a run does not hold (measured: bench/versionIndex.bench.ts).
 */
export const VERSION_FILTER_BITS = 16;

/** A run that counts for a lookup: its object key and its batch's ordering keys. */
export interface LiveRun {
  key: string;
  /** The batch's received_at, ms since the epoch. */
  receivedAt: number;
  batchKey: string;
}

export interface LookupStats {
  runs: number;
  downloaded: number;
  downloadedBytes: number;
  /** Entries whose hash matched one of the batch's. */
  matched: number;
  /** Newest versions handed to the landing. */
  versions: number;
}

export class VersionCache {
  private readonly runs = new Map<string, { run: LocalRun; source: string; cached: boolean }>();

  constructor(
    readonly dir: string,
    private readonly settings: LocalIndexSettings,
  ) {}

  /** Memory held by the cached runs' filters and fences, in bytes. */
  get memoryBytes(): number {
    let bytes = 0;
    for (const { run } of this.runs.values()) bytes += run.memoryBytes;
    return bytes;
  }

  has(key: string): boolean {
    return this.runs.has(key);
  }

  /** Takes a run the worker has just written: the file is moved into the cache folder. */
  async adopt(source: string, key: string, file: string): Promise<void> {
    if (this.runs.has(key)) return;
    await fs.mkdir(this.dir, { recursive: true });
    const target = this.pathOf(key);
    await fs.rename(file, target).catch(async () => {
      await fs.copyFile(file, target);
    });
    this.runs.set(key, { run: LocalRun.open(key, target, this.settings), source, cached: true });
  }

  /**
   * Holds exactly `live` for `source`. `fetch` gives a local path of a run's object: a file the
   * store already has locally (used in place) or a download into the folder it is given (kept).
   */
  async sync(
    source: string,
    live: readonly LiveRun[],
    fetch: (key: string, dir: string) => Promise<string>,
  ): Promise<{ downloaded: number; downloadedBytes: number }> {
    const wanted = new Set(live.map((run) => run.key));
    for (const [key, held] of this.runs) if (held.source === source && !wanted.has(key)) await this.drop(key);
    let downloaded = 0;
    let downloadedBytes = 0;
    await fs.mkdir(this.dir, { recursive: true });
    for (const { key } of live) {
      if (this.runs.has(key)) continue;
      const scratch = await fs.mkdtemp(path.join(this.dir, 'get-'));
      try {
        const local = await fetch(key, scratch);
        const inScratch = path.resolve(local).startsWith(path.resolve(scratch) + path.sep);
        let file = local;
        if (inScratch) {
          file = this.pathOf(key);
          await fs.rename(local, file);
          downloaded += 1;
          downloadedBytes += (await fs.stat(file)).size;
        }
        this.runs.set(key, { run: LocalRun.open(key, file, this.settings), source, cached: inScratch });
      } finally {
        await fs.rm(scratch, { recursive: true, force: true });
      }
    }
    return { downloaded, downloadedBytes };
  }

  /**
   * The newest version that still counts of each of the batch's ids (`keys`, its hashes, sorted)
   * among `live` runs (which `sync` has made present), belonging to `sinceMs` or later.
   */
  lookup(
    live: readonly LiveRun[],
    keys: SortedHashes,
    sinceMs: number,
  ): { versions: FoundVersion[]; matched: number } {
    const scratch = new Uint32Array(keys.hi.length);
    const found: FoundVersion[] = [];
    for (const { key, receivedAt, batchKey } of live) {
      const held = this.runs.get(key);
      if (held === undefined) throw new Error(`version run ${key} is not in the cache: sync first`);
      for (const entry of held.run.find(keys, scratch)) found.push({ entry, receivedAt, batchKey });
    }
    return { versions: newestVersions(found, sinceMs), matched: found.length };
  }

  /**
   * The live runs hashed by another engine than `check` (core/versionRun.ts HashCheck): the batch's
   * hashes would not find their ids in them.
   */
  staleRuns(live: readonly LiveRun[], check: HashCheck): string[] {
    return live
      .filter(({ key }) => {
        const held = this.runs.get(key)?.run.layout.hashCheck;
        return held !== undefined && (held[0] !== check[0] >>> 0 || held[1] !== check[1] >>> 0);
      })
      .map(({ key }) => key);
  }

  async close(): Promise<void> {
    for (const key of [...this.runs.keys()]) await this.drop(key);
  }

  private async drop(key: string): Promise<void> {
    const held = this.runs.get(key);
    if (held === undefined) return;
    this.runs.delete(key);
    held.run.close();
    if (held.cached) await fs.rm(held.run.path, { force: true });
  }

  private pathOf(key: string): string {
    return path.join(this.dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.run`);
  }
}
