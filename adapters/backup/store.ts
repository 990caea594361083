/**
 * Hour backups in an object store (BACKUP_DIR: a folder or `s3://bucket/prefix`), streamed in
 * bounded memory whatever the hour's size. Layout, under the database's store id
 * (adapters/db/storeIdentity.ts), so databases sharing a destination never meet:
 *
 *   stores/<store id>.json                                 marks that the store id has backups
 *   <store id>/hours/<hour>/<generation>/tables/<t>.ndjson.gz  one gzip'd NDJSON file per table
 *   <store id>/hours/<hour>/<generation>/manifest.json     each file's rows, bytes, sha256; written last
 *   <store id>/objects/<landing key>                       copies of landed objects (immutable, shared)
 *
 * Objects are never rewritten: backing an hour up again writes a new generation (named by its
 * time), and readers take the newest generation that has a manifest. A generation without one is
 * an interrupted backup and is ignored.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { oncePerObject } from '../../core/landingKeys';
import {
  BackupError,
  isChecksumMismatchError,
  isObjectExistsError,
  isObjectNotFoundError,
} from '../../core/errors';
import { formatHour } from '../../core/importHour';
import { sha256OfStream } from '../objectStore/keys';
import type { ObjectStore } from '../objectStore/types';
import { transferEach } from '../objectStore/transferEach';
import { readNdjsonGzip, writeNdjsonGzip } from './ndjson';
import { dropFromPageCache } from '../files/pageCache';

export const MANIFEST = 'manifest.json';
export const MANIFEST_FORMAT = 'temperature-pipeline/hour-backup@2';

/** A table's rows for one hour, produced as they are written (a cursor, batches). */
export interface BackupTable {
  name: string;
  /** Usually async (a cursor, batches); a plain iterable is accepted for rows already at hand. */
  rows: AsyncIterable<object> | Iterable<object>;
}

/** A landed object to copy: its key in the database's (bound) landing store and its recorded sha256. */
export interface LandedObject {
  key: string;
  sha256: string;
}

export interface BackupFileEntry {
  /** Table name; the file is `tables/<name>.ndjson.gz` in the generation. */
  name: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface BackupObjectEntry {
  /** Key in the landing store (relative to the store id); the copy is `<store id>/objects/<key>`. */
  key: string;
  bytes: number;
  sha256: string;
}

export interface HourManifest {
  format: string;
  storeId: string;
  hour: string;
  createdAt: string;
  /** Tables in the order a restore inserts them (foreign keys first). */
  tables: BackupFileEntry[];
  objects: BackupObjectEntry[];
  /**
   * ISO hours whose aggregates this backup also holds, as they were at `createdAt` (the hours the
   * import hour corrected: adapters/db/backupTables.ts CORRECTED_AGGREGATES); absent for none.
   */
  correctedHours?: string[];
}

/** One hour's newest complete backup. */
export interface HourBackupRef {
  storeId: string;
  /** `2026-11-27T140000Z` */
  folder: string;
  /** `<store id>/hours/<folder>/<generation>/` */
  generation: string;
}

const TABLE_NAME = /^[a-z_]+$/;
/** Backup copies a BackupStore remembers having seen: a week of hours of about ten objects, many times over. */
const COPIES_REMEMBERED = 100_000;
const HEX64 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f-]{36}$/;

export function hourFolder(hour: Date): string {
  return formatHour(hour).replace(/:/g, '');
}

/** The hour a folder name stands for (`2026-11-27T140000Z` → 2026-11-27T14:00:00Z). */
export function hourOfFolder(folder: string): Date {
  return new Date(folder.replace(/T(\d{2})(\d{2})(\d{2})Z$/, 'T$1:$2:$3Z'));
}

export class BackupStore {
  constructor(
    readonly store: ObjectStore,
    /** Where table files are built and S3 objects downloaded before they move on. */
    readonly scratchDir: string = os.tmpdir(),
  ) {}

  /**
   * Backup copies this process wrote or found, by key and sha256 → bytes: backing up an hour again
   * (a correction's) checks none of them again. Oldest forgotten past COPIES_REMEMBERED.
   */
  private readonly copiesSeen = new Map<string, number>();

  private sawCopy(toKey: string, bytes: number, sha256: string): { bytes: number; sha256: string } {
    this.copiesSeen.set(`${toKey} ${sha256}`, bytes);
    if (this.copiesSeen.size > COPIES_REMEMBERED)
      this.copiesSeen.delete(this.copiesSeen.keys().next().value!);
    return { bytes, sha256 };
  }

  get url(): string {
    return this.store.url;
  }

  /** Names an object in errors: the store's URL and the key, enough to find the file. */
  private where(key: string): string {
    return `${this.store.url.replace(/\/?$/, '/')}${key}`;
  }

  /**
   * Writes one hour's backup: each table streamed to a gzip'd NDJSON file, each landed object
   * copied from `landing` (its sha256 checked against the recorded one on the way), then the
   * manifest. Rejects with a BackupError naming a landed object whose bytes do not match.
   */
  async writeHour(
    storeId: string,
    hour: Date,
    content: {
      tables: readonly BackupTable[];
      objects?: readonly LandedObject[];
      landing?: ObjectStore;
      /** Recorded in the manifest (HourManifest `correctedHours`). */
      correctedHours?: readonly Date[];
    },
    createdAt: Date,
  ): Promise<{ manifest: HourManifest; ref: HourBackupRef }> {
    if (!UUID.test(storeId)) throw new BackupError(`not a store id: ${storeId}`);
    const stamp = createdAt.toISOString().replace(/[-:.]/g, '');
    const ref: HourBackupRef = {
      storeId,
      folder: hourFolder(hour),
      generation: `${storeId}/hours/${hourFolder(hour)}/g${stamp}-${randomBytes(4).toString('hex')}/`,
    };
    const work = await fs.mkdtemp(path.join(this.scratchDir, 'tp-backup-'));
    try {
      const tables: BackupFileEntry[] = [];
      for (const table of content.tables) {
        if (!TABLE_NAME.test(table.name)) throw new BackupError(`not a table name: ${table.name}`);
        const file = path.join(work, `${table.name}.ndjson.gz`);
        const rows = await writeNdjsonGzip(table.rows, file);
        const stored = await this.store.putFile(`${ref.generation}tables/${table.name}.ndjson.gz`, file);
        await fs.rm(file);
        tables.push({ name: table.name, rows, bytes: stored.bytes, sha256: stored.sha256 });
      }
      const objects = await this.copyObjectsInto(storeId, content.objects ?? [], content.landing, work);
      const manifest: HourManifest = {
        format: MANIFEST_FORMAT,
        storeId,
        hour: formatHour(hour),
        createdAt: createdAt.toISOString(),
        tables,
        objects,
        ...(content.correctedHours?.length
          ? { correctedHours: content.correctedHours.map((h) => formatHour(h)).sort() }
          : {}),
      };
      const manifestFile = path.join(work, MANIFEST);
      await fs.writeFile(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
      await this.store.putFile(`${ref.generation}${MANIFEST}`, manifestFile);
      const marker = path.join(work, 'store.json');
      await fs.writeFile(marker, JSON.stringify({ format: MANIFEST_FORMAT, storeId }) + '\n');
      await this.store.putFile(`stores/${storeId}.json`, marker);
      return { manifest, ref };
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  /**
   * Copies landed objects into `<store id>/objects/` ahead of the hour's backup (the workflow does
   * it while the hour is computed); `writeHour` then finds them there. Checked like `writeHour`.
   */
  async copyObjects(
    storeId: string,
    objects: readonly LandedObject[],
    landing: ObjectStore,
    /** Copies at once (transferEach's default otherwise). */
    atOnce?: number,
  ): Promise<number> {
    if (!UUID.test(storeId)) throw new BackupError(`not a store id: ${storeId}`);
    const work = await fs.mkdtemp(path.join(this.scratchDir, 'tp-backup-'));
    try {
      return (await this.copyObjectsInto(storeId, objects, landing, work, atOnce)).length;
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  private async copyObjectsInto(
    storeId: string,
    objects: readonly LandedObject[],
    landing: ObjectStore | undefined,
    work: string,
    atOnce?: number,
  ): Promise<BackupObjectEntry[]> {
    if (objects.length > 0 && !landing)
      throw new BackupError('landed objects to back up, but no landing store');
    return transferEach(
      oncePerObject(objects),
      async (object) => {
        const copied = await this.copyVerified(
          landing as ObjectStore,
          object.key,
          `${storeId}/objects/${object.key}`,
          object.sha256,
          work,
        );
        return { key: object.key, bytes: copied.bytes, sha256: copied.sha256 };
      },
      atOnce,
    );
  }

  /**
   * Copies `fromKey` of `from` to `toKey` of `to` (this store or a landing store), through a local
   * file: its sha256 must equal `sha256` before it is written. A backup copy already there is kept
   * without reading it again, whatever the landed object has become since (missing or damaged: the
   * copy is what repairs it, adapters/backup/landedObjects.ts): every copy was checked against the
   * recorded sha256 before it became visible (`backup verify` reads them all). Restoring, an object
   * already in the landing store with the copy's size is kept. Returns the size and sha256.
   * Backing up, a copy this process has seen is not looked up again (`copiesSeen`).
   */
  private async copyVerified(
    from: ObjectStore,
    fromKey: string,
    toKey: string,
    sha256: string,
    work: string,
    to: ObjectStore = this.store,
  ): Promise<{ bytes: number; sha256: string }> {
    // A backup copy seen by this process is there still: copies are immutable and never removed.
    const seen = to === this.store ? this.copiesSeen.get(`${toKey} ${sha256}`) : undefined;
    if (seen !== undefined) return { bytes: seen, sha256 };
    const present = await to.stat(toKey);
    if (present !== undefined && to === this.store) return this.sawCopy(toKey, present.bytes, sha256);
    if (present !== undefined && present.bytes === (await from.stat(fromKey))?.bytes)
      return { bytes: present.bytes, sha256 };
    const local = await from.getFile(fromKey, work).catch((error: unknown) => {
      if (isObjectNotFoundError(error))
        throw new BackupError(`${from.url.replace(/\/?$/, '/')}${fromKey}: listed but missing`);
      throw error;
    });
    try {
      // One pass: the destination hashes what it writes and refuses bytes other than the recorded.
      const stored = await to.putFile(toKey, local, { sha256 }).catch((error: unknown) => {
        if (isChecksumMismatchError(error))
          throw new BackupError(
            `${from.url.replace(/\/?$/, '/')}${fromKey}: sha256 ${error.actual} differs from the recorded ${sha256}; the object is damaged`,
          );
        if (isObjectExistsError(error))
          throw new BackupError(`${to.url}${toKey}: exists already with other bytes (${error.message})`);
        throw error;
      });
      // A folder store hands out the object itself, read whole now and not again soon: its pages
      // leave the page cache (the raw answer is kept there for this copy, PutOptions.readSoon).
      if (path.dirname(local) !== work) await dropFromPageCache(local, stored.bytes);
      return to === this.store ? this.sawCopy(toKey, stored.bytes, sha256) : { bytes: stored.bytes, sha256 };
    } finally {
      // Only a downloaded copy is removed.
      if (path.dirname(local) === work) await fs.rm(local, { force: true });
    }
  }

  /** The store ids that have backups here. */
  async storeIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const { key } of this.store.list('stores/')) {
      const id = /^stores\/([0-9a-f-]{36})\.json$/.exec(key)?.[1];
      if (id) ids.push(id);
    }
    return ids;
  }

  /** Each backed-up hour of a store id with its newest complete generation, oldest hour first. */
  async listHours(storeId: string): Promise<HourBackupRef[]> {
    const newest = new Map<string, string>();
    const prefix = `${storeId}/hours/`;
    for await (const { key } of this.store.list(prefix)) {
      const match = /^([^/]+)\/([^/]+)\/manifest\.json$/.exec(key.slice(prefix.length));
      if (!match?.[1] || !match[2]) continue;
      const generation = `${prefix}${match[1]}/${match[2]}/`;
      // Generation names start with their creation time: the greatest is the newest.
      if ((newest.get(match[1]) ?? '') < generation) newest.set(match[1], generation);
    }
    return [...newest.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([folder, generation]) => ({ storeId, folder, generation }));
  }

  async readManifest(ref: HourBackupRef): Promise<HourManifest> {
    const key = `${ref.generation}${MANIFEST}`;
    let manifest: unknown;
    try {
      const text = (await readAll(await this.store.openRead(key))).toString('utf8');
      manifest = JSON.parse(text);
    } catch (error) {
      throw new BackupError(
        `${this.where(key)}: manifest missing or not valid JSON (${(error as Error).message})`,
      );
    }
    if (!isManifest(manifest) || manifest.storeId !== ref.storeId)
      throw new BackupError(`${this.where(key)}: not a ${MANIFEST_FORMAT} manifest of store ${ref.storeId}`);
    return manifest;
  }

  /**
   * Reads every file of an hour's backup back (size, sha256, decompression, row count) and every
   * copied object (size, sha256), streamed. Throws a BackupError naming the first that fails.
   */
  async verify(ref: HourBackupRef): Promise<HourManifest> {
    const manifest = await this.readManifest(ref);
    for (const table of manifest.tables) {
      // Reading the rows checks the file: the tally is compared when the stream ends.
      for await (const row of this.readTable(ref, manifest, table.name)) void row;
    }
    for (const object of manifest.objects) {
      const key = `${ref.storeId}/objects/${object.key}`;
      const actual = await this.openOrFail(key).then(sha256OfStream);
      if (actual.bytes !== object.bytes || actual.sha256 !== object.sha256)
        throw new BackupError(
          `${this.where(key)}: checksum mismatch (${actual.bytes} bytes, manifest says ${object.bytes}); the file is corrupted or truncated`,
        );
    }
    return manifest;
  }

  /**
   * The rows of one table of an hour's backup, streamed. When the file ends, its size, sha256 and
   * row count are checked against the manifest: a consumer that reads to the end (a restore in a
   * transaction) gets a BackupError, naming the file, before it can commit damaged rows.
   */
  async *readTable(
    ref: HourBackupRef,
    manifest: HourManifest,
    name: string,
  ): AsyncGenerator<Record<string, unknown>> {
    const entry = manifest.tables.find((table) => table.name === name);
    if (!entry) return;
    const key = `${ref.generation}tables/${name}.ndjson.gz`;
    const raw = await this.openOrFail(key);
    let tally: { bytes: number; sha256: string; rows: number } | undefined;
    try {
      for await (const row of readNdjsonGzip(raw, (t) => (tally = t))) yield row as Record<string, unknown>;
    } catch (error) {
      if (error instanceof BackupError) throw error;
      throw new BackupError(
        `${this.where(key)}: checksum mismatch or unreadable (${(error as Error).message}); the file is corrupted or truncated`,
      );
    }
    if (!tally || tally.bytes !== entry.bytes || tally.sha256 !== entry.sha256)
      throw new BackupError(
        `${this.where(key)}: checksum mismatch (${tally?.bytes ?? 0} bytes, manifest says ${entry.bytes}); the file is corrupted or truncated`,
      );
    if (tally.rows !== entry.rows)
      throw new BackupError(`${this.where(key)}: holds ${tally.rows} rows, the manifest says ${entry.rows}`);
  }

  /** Copies an hour's landed objects back into `landing` (bound to the store id), each checksum verified. */
  async restoreObjects(ref: HourBackupRef, manifest: HourManifest, landing: ObjectStore): Promise<number> {
    const work = await fs.mkdtemp(path.join(this.scratchDir, 'tp-restore-'));
    try {
      await transferEach(manifest.objects, (object) =>
        this.copyVerified(
          this.store,
          `${ref.storeId}/objects/${object.key}`,
          object.key,
          object.sha256,
          work,
          landing,
        ),
      );
      return manifest.objects.length;
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }

  private async openOrFail(key: string): Promise<NodeJS.ReadableStream> {
    return this.store.openRead(key).catch((error: unknown) => {
      throw new BackupError(
        `${this.where(key)}: listed in the manifest but missing (${(error as Error).message})`,
      );
    });
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function isManifest(value: unknown): value is HourManifest {
  const m = value as Partial<HourManifest> | null;
  const counted = (e: Partial<BackupObjectEntry> | null) =>
    typeof e === 'object' &&
    e !== null &&
    Number.isInteger(e.bytes) &&
    typeof e.sha256 === 'string' &&
    HEX64.test(e.sha256);
  return (
    typeof m === 'object' &&
    m !== null &&
    m.format === MANIFEST_FORMAT &&
    typeof m.storeId === 'string' &&
    typeof m.hour === 'string' &&
    Array.isArray(m.tables) &&
    Array.isArray(m.objects) &&
    // Names and keys become object keys: nothing can be smuggled in through a manifest.
    m.tables.every(
      (t: Partial<BackupFileEntry> | null) =>
        counted(t) && typeof t?.name === 'string' && TABLE_NAME.test(t.name) && Number.isInteger(t.rows),
    ) &&
    m.objects.every((o: Partial<BackupObjectEntry> | null) => counted(o) && typeof o?.key === 'string') &&
    (m.correctedHours === undefined ||
      (Array.isArray(m.correctedHours) && m.correctedHours.every((h: unknown) => typeof h === 'string')))
  );
}
