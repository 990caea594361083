/**
 * The worker's cache of version runs (docs/versioning.md, "The version index"), in one folder under
 * its scratch folder. `sync` makes the cache hold exactly a source's live runs: a run the worker wrote
 * is adopted from its own file (never downloaded again), another is downloaded once, and runs that
 * left the horizon or whose batch a refetch retired are dropped, so memory follows the horizon.
 *
 * In memory: each run's fences (adapters/versions/localIndex.ts). Its Bloom filter is bit-sliced in
 * groups of 32 runs of one size class (core/versionFilter.ts), each group a file of the cache folder
 * (adapters/versions/filterFile.ts `SlicedBloomFile`): a lookup reads each group once, in hash order,
 * a few words per key for every 32 runs, then only the runs whose filter may hold the key.
 */
import { createHash, randomUUID } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { newestVersions, type FoundVersion } from '../../core/versionChoice';
import type { HashCheck, VersionEntry } from '../../core/versionRun';
import { SlicedBloomFile } from './filterFile';
import { LocalRun, type SortedHashes } from './localIndex';

/**
 * Bits of filter per run entry: 16 bits (8 set per key in a 512-bit block) answer "maybe" for about
 * 0.07 % of the ids a run does not hold (measured: bench/versionIndex.bench.ts).
 */
export const VERSION_FILTER_BITS = 16;

export interface VersionCacheSettings {
  /** Bits of filter per run entry (VERSION_FILTER_BITS). */
  bitsPerKey: number;
}

/** A run that counts for a lookup: its object key and its batch's ordering keys. */
export interface LiveRun {
  key: string;
  /** The batch's received_at, ms since the epoch. */
  receivedAt: number;
  batchKey: string;
}

/** A run in the cache: its file, its source, its filter's group and slot. */
interface HeldRun {
  run: LocalRun;
  source: string;
  /** Whether the file is the cache's own copy (deleted with the run) rather than the store's file. */
  cached: boolean;
  group: SlicedBloomFile;
  slot: number;
}

export class VersionCache {
  private readonly runs = new Map<string, HeldRun>();
  /** The filter groups by size class k: runs of up to 2^k entries share the geometry of 2^k keys. */
  private readonly groups = new Map<number, SlicedBloomFile[]>();
  /** The sync or adoption running, if any (they run one after another). */
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly settings: VersionCacheSettings,
  ) {}

  /** Memory held between lookups, in bytes: the runs' fences (the filters are in files). */
  get memoryBytes(): number {
    let bytes = 0;
    for (const { run } of this.runs.values()) bytes += run.memoryBytes;
    return bytes;
  }

  /** Bytes of the filter files, which a lookup reads once each (through the page cache). */
  get filterFileBytes(): number {
    let bytes = 0;
    for (const groups of this.groups.values()) for (const group of groups) bytes += group.fileBytes;
    return bytes;
  }

  has(key: string): boolean {
    return this.runs.has(key);
  }

  /**
   * Takes a run the worker has just written: the file is moved into the cache folder now, and read
   * into the filters in the order syncs run (the caller need not wait: its next lookup syncs first).
   */
  async adopt(source: string, key: string, file: string): Promise<void> {
    if (this.runs.has(key)) return;
    await fs.mkdir(this.dir, { recursive: true });
    const target = this.pathOf(key);
    await fs.rename(file, target).catch(async () => {
      await fs.copyFile(file, target);
    });
    void this.inTurn(async () => {
      if (!this.runs.has(key)) this.hold(key, target, source, true);
      return Promise.resolve();
    }).catch(() => undefined);
  }

  /** Runs `work` after the syncs and adoptions called before it. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const done = this.syncing.then(work);
    this.syncing = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  /**
   * Holds exactly `live` for `source`. `fetch` gives a local path of a run's object: a file the
   * store already has locally (used in place) or a download into the folder it is given (kept).
   * Syncs run one at a time, in the order called.
   */
  sync(
    source: string,
    live: readonly LiveRun[],
    fetch: (key: string, dir: string) => Promise<string>,
  ): Promise<{ downloaded: number; downloadedBytes: number }> {
    // One sync at a time: a landing's and a warm-up's (landingLookup.ts) never fetch a run twice.
    return this.inTurn(() => this.syncNow(source, live, fetch));
  }

  private async syncNow(
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
        this.hold(key, file, source, inScratch);
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
    const found: FoundVersion[] = [];
    // Per group, the live runs in its slots; each key's slots say which of them to read.
    const byGroup = new Map<SlicedBloomFile, (LiveRun & { held: HeldRun })[]>();
    for (const run of live) {
      const held = this.runs.get(run.key);
      if (held === undefined) throw new Error(`version run ${run.key} is not in the cache: sync first`);
      const members = byGroup.get(held.group) ?? [];
      byGroup.set(held.group, members);
      members[held.slot] = { ...run, held };
    }
    const entries: VersionEntry[] = [];
    for (const [group, members] of byGroup) {
      let wanted = 0;
      members.forEach((_, slot) => (wanted |= 1 << slot));
      const cursors = members.map((member) => member.held.run.cursor());
      const filter = group.reader();
      for (let k = 0; k < keys.hi.length; k += 1) {
        const hi = keys.hi[k]!;
        const lo = keys.lo[k]!;
        let slots = filter.slotsFor(hi, lo, wanted);
        while (slots !== 0) {
          const slot = 31 - Math.clz32(slots);
          slots &= ~(1 << slot);
          entries.length = 0;
          cursors[slot]!.find(hi, lo, entries);
          const member = members[slot]!;
          for (const entry of entries)
            found.push({ entry, receivedAt: member.receivedAt, batchKey: member.batchKey });
        }
      }
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

  /** Closes every run and deletes the cache's own files (the filters, the runs it downloaded). */
  async close(): Promise<void> {
    await this.syncing;
    for (const held of this.runs.values()) {
      held.run.close();
      if (held.cached) await fs.rm(held.run.path, { force: true });
    }
    this.runs.clear();
    for (const groups of this.groups.values()) for (const group of groups) group.close();
    this.groups.clear();
  }

  private hold(key: string, file: string, source: string, cached: boolean): void {
    let placed: { group: SlicedBloomFile; slot: number } | undefined;
    const run = LocalRun.open(key, file, (hi, lo) => {
      placed = this.place(hi.length);
      placed.group.fill(placed.slot, hi, lo);
    });
    this.runs.set(key, { run, source, cached, group: placed!.group, slot: placed!.slot });
  }

  /** A free slot in a group of the size class of a run of `entries`; a new group if none is free. */
  private place(entries: number): { group: SlicedBloomFile; slot: number } {
    const sizeClass = Math.max(10, Math.ceil(Math.log2(Math.max(1, entries))));
    const groups = this.groups.get(sizeClass) ?? [];
    this.groups.set(sizeClass, groups);
    for (const group of groups) {
      const slot = group.freeSlot();
      if (slot >= 0) return { group, slot };
    }
    fsSync.mkdirSync(path.join(this.dir, 'filters'), { recursive: true });
    const file = path.join(this.dir, 'filters', `group-${sizeClass}-${randomUUID()}.bloom`);
    const group = new SlicedBloomFile(file, 2 ** sizeClass, this.settings.bitsPerKey);
    groups.push(group);
    return { group, slot: 0 };
  }

  private async drop(key: string): Promise<void> {
    const held = this.runs.get(key);
    if (held === undefined) return;
    this.runs.delete(key);
    if ((held.group.used & ~(1 << held.slot)) !== 0) held.group.clear(held.slot);
    else {
      // Its last run: the group's file goes, nothing to clear.
      for (const [sizeClass, groups] of this.groups)
        this.groups.set(
          sizeClass,
          groups.filter((g) => g !== held.group),
        );
      held.group.close();
    }
    held.run.close();
    if (held.cached) await fs.rm(held.run.path, { force: true });
  }

  private pathOf(key: string): string {
    return path.join(this.dir, `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.run`);
  }
}
