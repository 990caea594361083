/**
 * Backups, one folder per import hour: gzip'd NDJSON files of the hour's rows and a manifest with
 * each file's row count and sha256. A folder is written under a temporary name and renamed into
 * place, so a reader sees a whole backup or the previous one, never half of one.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BackupError } from '../../core/errors';
import { formatHour } from '../../core/importHour';

export const MANIFEST = 'manifest.json';
export const MANIFEST_FORMAT = 'temperature-pipeline/hour-backup@1';

export interface BackupFileEntry {
  name: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface HourManifest {
  format: string;
  hour: string;
  createdAt: string;
  files: BackupFileEntry[];
}

export interface BackupTable {
  name: string;
  rows: readonly object[];
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function toNdjsonGzip(rows: readonly object[]): Buffer {
  return gzipSync(rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length > 0 ? '\n' : ''));
}

const SAFE_FILE_NAME = /^[a-z_]+\.ndjson\.gz$/;

function isManifest(value: unknown): value is HourManifest {
  const m = value as Partial<HourManifest> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    m.format === MANIFEST_FORMAT &&
    typeof m.hour === 'string' &&
    Array.isArray(m.files) &&
    m.files.every(
      (f: Partial<BackupFileEntry> | null) =>
        typeof f === 'object' &&
        f !== null &&
        typeof f.name === 'string' &&
        // File names stay inside the backup folder: no path can be smuggled in through a manifest.
        SAFE_FILE_NAME.test(f.name) &&
        Number.isInteger(f.rows) &&
        Number.isInteger(f.bytes) &&
        typeof f.sha256 === 'string',
    )
  );
}

export class LocalBackupStore {
  constructor(readonly root: string) {}

  hourDir(hour: Date): string {
    return path.join(this.root, formatHour(hour).replace(/:/g, ''));
  }

  async writeHour(hour: Date, tables: readonly BackupTable[], createdAt: Date): Promise<HourManifest> {
    await fs.mkdir(this.root, { recursive: true });
    const finalDir = this.hourDir(hour);
    const tempDir = `${finalDir}.tmp-${randomUUID()}`;
    await fs.mkdir(tempDir);
    try {
      const files: BackupFileEntry[] = [];
      for (const table of tables) {
        const name = `${table.name}.ndjson.gz`;
        const bytes = toNdjsonGzip(table.rows);
        await fs.writeFile(path.join(tempDir, name), bytes);
        files.push({ name, rows: table.rows.length, bytes: bytes.length, sha256: sha256(bytes) });
      }
      const manifest: HourManifest = {
        format: MANIFEST_FORMAT,
        hour: formatHour(hour),
        createdAt: createdAt.toISOString(),
        files,
      };
      await fs.writeFile(path.join(tempDir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
      await this.swapInto(tempDir, finalDir);
      return manifest;
    } catch (error) {
      await fs.rm(tempDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Replaces the hour's folder; the old one is renamed away first because rename cannot replace a non-empty folder. */
  private async swapInto(tempDir: string, finalDir: string): Promise<void> {
    const oldDir = `${finalDir}.old-${randomUUID()}`;
    const hadOld = await fs
      .rename(finalDir, oldDir)
      .then(() => true)
      .catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      });
    await fs.rename(tempDir, finalDir);
    if (hadOld) await fs.rm(oldDir, { recursive: true, force: true });
  }

  /** The hours with a complete backup (a manifest), oldest first. */
  async listHours(): Promise<string[]> {
    const entries = await fs.readdir(this.root, { withFileTypes: true }).catch(() => []);
    const hours: string[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.includes('.')) continue;
      const manifestPath = path.join(this.root, entry.name, MANIFEST);
      if (
        await fs.stat(manifestPath).then(
          () => true,
          () => false,
        )
      )
        hours.push(entry.name);
    }
    return hours.sort();
  }

  async readManifest(folder: string): Promise<HourManifest> {
    const manifestPath = path.join(this.root, folder, MANIFEST);
    let manifest: HourManifest;
    try {
      manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8')) as HourManifest;
    } catch (error) {
      throw new BackupError(
        `${manifestPath}: manifest missing or not valid JSON (${(error as Error).message})`,
      );
    }
    if (!isManifest(manifest)) throw new BackupError(`${manifestPath}: not a ${MANIFEST_FORMAT} manifest`);
    return manifest;
  }

  /**
   * Checks every file of a backup folder against its manifest (size, sha256, decompression, row
   * count) and returns the rows of each. Throws a BackupError naming the first file that fails.
   */
  async readVerified(folder: string): Promise<{ manifest: HourManifest; tables: Map<string, unknown[]> }> {
    const manifest = await this.readManifest(folder);
    const tables = new Map<string, unknown[]>();
    for (const entry of manifest.files) {
      const filePath = path.join(this.root, folder, entry.name);
      const bytes = await fs.readFile(filePath).catch(() => {
        throw new BackupError(`${filePath}: listed in the manifest but missing`);
      });
      if (bytes.length !== entry.bytes || sha256(bytes) !== entry.sha256) {
        throw new BackupError(
          `${filePath}: checksum mismatch (${bytes.length} bytes, manifest says ${entry.bytes}); the file is corrupted or truncated`,
        );
      }
      let rows: unknown[];
      try {
        const text = gunzipSync(bytes).toString('utf8');
        rows =
          text === ''
            ? []
            : text
                .trimEnd()
                .split('\n')
                .map((line) => JSON.parse(line) as unknown);
      } catch (error) {
        throw new BackupError(`${filePath}: cannot be decompressed or parsed (${(error as Error).message})`);
      }
      if (rows.length !== entry.rows) {
        throw new BackupError(`${filePath}: holds ${rows.length} rows, the manifest says ${entry.rows}`);
      }
      tables.set(entry.name.replace(/\.ndjson\.gz$/, ''), rows);
    }
    return { manifest, tables };
  }
}
