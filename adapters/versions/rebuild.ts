/**
 * `tempctl versions rebuild`: makes every batch's version run again from its Parquet files (the
 * landing's own way: adapters/versions/duckdbRuns.ts `writeRun` over the batch's files) and
 * compares it with the run recorded, byte for byte (sha256). A batch with no run (landed before the
 * index), a run whose object is missing, or (unless `check`) one that differs (hashed by another
 * DuckDB version) gets the rebuilt run, recorded in place of the old.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Analytics } from '../analytics/duckdb';
import type { ObjectStore } from '../objectStore/types';
import { sha256OfStream } from '../objectStore/keys';
import { batchSegment, versionRunKey } from '../../core/landingKeys';
import { versionRunRow } from '../db/versionRuns';
import { versionRowsSql, writeRun } from './duckdbRuns';

export interface RebuildReport {
  batches: number;
  /** Rebuilt runs equal, byte for byte, to the run recorded. */
  identical: number;
  /** Batches that had no run, and now have one. */
  added: number;
  /** Recorded runs whose object was missing from the store, put again. */
  restored: number;
  /** Recorded runs that differ from the rebuilt one (replaced unless `check`). */
  differing: string[];
}

export async function rebuildVersionRuns(
  deps: { db: Knex; landingStore: ObjectStore; analytics: Analytics; scratchDir: string },
  options: { check: boolean },
): Promise<RebuildReport> {
  const { db, landingStore } = deps;
  const batches = (await db('fetch_batches as b')
    .whereExists(db('landed_files as f').select(db.raw('1')).whereRaw('f.batch_id = b.batch_id'))
    .leftJoin('version_runs as v', 'v.batch_id', 'b.batch_id')
    .orderBy('b.batch_id')
    .select('b.batch_id', 'b.source', 'b.import_hour', 'b.batch_key', 'v.object_key', 'v.sha256')) as {
    batch_id: number | string;
    source: string;
    import_hour: Date;
    batch_key: string;
    object_key: string | null;
    sha256: string | null;
  }[];
  const report: RebuildReport = {
    batches: batches.length,
    identical: 0,
    added: 0,
    restored: 0,
    differing: [],
  };
  for (const batch of batches) {
    const work = await fs.mkdtemp(path.join(deps.scratchDir, 'rebuild-'));
    try {
      const keys = (await db('landed_files')
        .where('batch_id', batch.batch_id)
        .orderBy('file_id')
        .pluck('object_key')) as string[];
      const files: string[] = [];
      // A file of corrections is recorded once per (hour, bucket) it holds: read once.
      for (const key of new Set(keys)) files.push(await landingStore.getFile(key, work));
      const runFile = path.join(work, 'batch.run');
      const written = await deps.analytics.withConnection((conn) =>
        writeRun(conn, versionRowsSql(files), runFile),
      );
      const { sha256 } = await sha256OfStream(createReadStream(runFile));
      if (batch.object_key !== null && batch.sha256 === sha256) {
        report.identical += 1;
        if ((await landingStore.stat(batch.object_key)) === undefined) {
          await landingStore.putFile(batch.object_key, runFile, { sha256, move: true });
          report.restored += 1;
        }
        continue;
      }
      if (batch.object_key !== null) {
        report.differing.push(batch.object_key);
        if (options.check) continue;
      }
      const segment = batchSegment(
        batch.batch_key,
        createHash('sha256').update(batch.batch_key).digest('hex'),
      );
      const key = versionRunKey(batch.source, batch.import_hour, segment, sha256);
      const stored = await landingStore.putFile(key, runFile, { sha256, move: true });
      const row = versionRunRow(Number(batch.batch_id), {
        key,
        entries: written.entries,
        bytes: stored.bytes,
        sha256,
      });
      await db('version_runs').insert(row).onConflict('batch_id').merge();
      if (batch.object_key === null) report.added += 1;
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }
  return report;
}
