/**
 * The upgrade from the row-store landing: readings that an earlier version of the pipeline landed
 * in PostgreSQL (`readings`) move into the landing store as Parquet files, batch by batch, in the
 * same layout as new landings (per hour they belong to and bucket). Each batch moves in one
 * transaction: its files are recorded, checked (row counts against the table, sha256 of the stored
 * objects against the files written) and only then its `readings` and `reading_regions` rows are
 * deleted. Idempotent: a batch with files already is skipped; a crash leaves it to the next run.
 * Run by `tempctl migrate` and by every worker at start.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Knex } from 'knex';
import { batchSegment, bucketSql } from '../../core/landingKeys';
import type { BucketSettings } from '../../core/bucket';
import type { ObjectStore } from '../objectStore/types';
import { bucketCountsFor, checkBucketCounts, landedFileRow } from '../db/landing';
import { queryRows, sqlInstant, sqlString, type Analytics } from './duckdb';
import { LANDED_COLUMNS } from './landing';
import { storeLandedFiles } from './landedFiles';

const PAGE = 10_000;

export interface UpgradeReport {
  batches: number;
  readings: number;
  files: number;
}

export async function moveRowStoreReadings(
  db: Knex,
  deps: { landingStore: ObjectStore; analytics: Analytics; scratchDir: string; buckets: BucketSettings },
): Promise<UpgradeReport> {
  const report: UpgradeReport = { batches: 0, readings: 0, files: 0 };
  if (!(await db.schema.hasTable('readings'))) return report;
  const batches = (await db('fetch_batches as b')
    .whereExists(db('readings as r').whereRaw('r.batch_id = b.batch_id'))
    .orderBy('b.batch_id')
    .select('b.batch_id', 'b.source', 'b.batch_key', 'b.import_hour')) as {
    batch_id: number;
    source: string;
    batch_key: string;
    import_hour: Date;
  }[];
  for (const batch of batches) {
    const work = path.join(deps.scratchDir, `upgrade-${randomUUID()}`);
    await fs.mkdir(work, { recursive: true });
    try {
      const moved = await moveBatch(db, deps, batch, work);
      report.batches += 1;
      report.readings += moved.readings;
      report.files += moved.files;
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }
  return report;
}

async function moveBatch(
  db: Knex,
  deps: { landingStore: ObjectStore; analytics: Analytics; buckets: BucketSettings },
  batch: { batch_id: number; source: string; batch_key: string; import_hour: Date },
  work: string,
): Promise<{ readings: number; files: number }> {
  // The batch's versions, in the order they were landed (row_id): their position is the ordinal.
  const ndjson = path.join(work, 'readings.ndjson');
  const out = await fs.open(ndjson, 'w');
  let ordinal = 0;
  let lastRowId = 0;
  /** Rows per hour they belong to (ms since epoch). */
  const hours = new Map<number, { hour: Date; readings: number }>();
  try {
    for (;;) {
      const rows = (await db('readings')
        .where('batch_id', batch.batch_id)
        .where('row_id', '>', lastRowId)
        .orderBy('row_id')
        .limit(PAGE)) as Record<string, unknown>[];
      if (rows.length === 0) break;
      const lines = rows.map((r) => {
        const belongs = r.belongs_to_hour as Date;
        const seen = hours.get(belongs.getTime());
        if (seen) seen.readings += 1;
        else hours.set(belongs.getTime(), { hour: belongs, readings: 1 });
        return JSON.stringify({
          reading_id: r.reading_id,
          ordinal: ordinal++,
          belongs_ms: belongs.getTime(),
          received_ms: (r.received_at as Date).getTime(),
          measured_ms: (r.measured_at as Date).getTime(),
          lat: r.lat,
          lon: r.lon,
          temperature: r.temperature,
          country: r.country,
        });
      });
      await out.write(`${lines.join('\n')}\n`);
      lastRowId = Number(rows[rows.length - 1]?.row_id);
    }
  } finally {
    await out.close();
  }
  const known = await bucketCountsFor(db, batch.source, [...hours.values()], deps.buckets);
  const counts = [...hours.values()]
    .map(({ hour }) => `(${sqlInstant(hour)}, ${known.get(hour.getTime())})`)
    .join(', ');
  const files = await deps.analytics.withConnection(async (conn) => {
    await conn.run(
      `CREATE TEMP TABLE landed AS
         SELECT ${sqlString(batch.source)} AS source, r.reading_id, ${sqlString(batch.batch_key)} AS batch_key, r.ordinal,
                ${sqlInstant(batch.import_hour)} AS import_hour, CAST(epoch_ms(r.belongs_ms) AS TIMESTAMPTZ) AS belongs_to_hour,
                CAST(epoch_ms(r.received_ms) AS TIMESTAMPTZ) AS received_at, CAST(epoch_ms(r.measured_ms) AS TIMESTAMPTZ) AS measured_at,
                r.lat, r.lon, r.temperature, r.country, n.bucket_count
           FROM read_json(${sqlString(ndjson)}, format = 'newline_delimited', columns = {reading_id: 'VARCHAR', ordinal: 'BIGINT',
                belongs_ms: 'BIGINT', received_ms: 'BIGINT', measured_ms: 'BIGINT', lat: 'DOUBLE', lon: 'DOUBLE', temperature: 'DOUBLE', country: 'VARCHAR'}) r
           JOIN (VALUES ${counts}) n(belongs_to_hour, bucket_count) ON n.belongs_to_hour = CAST(epoch_ms(r.belongs_ms) AS TIMESTAMPTZ)`,
    );
    // The same bucket rule as new landings: every version of an id in one hour gets the same bucket.
    await conn.run(`ALTER TABLE landed ADD COLUMN bucket INTEGER`);
    await conn.run(`UPDATE landed SET bucket = ${bucketSql('bucket_count')}`);
    const groups = await queryRows<{ ms: number; bucket: number; bucket_count: number; rows: number }>(
      conn,
      `SELECT CAST(epoch_ms(belongs_to_hour) AS DOUBLE) AS ms, bucket, bucket_count, CAST(count(*) AS DOUBLE) AS rows
         FROM landed GROUP BY ALL ORDER BY ms, bucket`,
    );
    const written = [];
    for (const g of groups) {
      const file = path.join(work, `part-${g.ms}-${g.bucket}.parquet`);
      await conn.run(
        `COPY (SELECT ${LANDED_COLUMNS} FROM landed WHERE epoch_ms(belongs_to_hour) = ${g.ms} AND bucket = ${g.bucket} ORDER BY ordinal)
           TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      written.push({
        path: file,
        belongsToHour: new Date(g.ms),
        bucket: g.bucket,
        bucketCount: g.bucket_count,
        rows: g.rows,
      });
    }
    return written;
  });
  const segment = batchSegment(batch.batch_key, createHash('sha256').update(batch.batch_key).digest('hex'));
  const stored = await storeLandedFiles(
    deps.landingStore,
    files,
    { source: batch.source, importHour: batch.import_hour, segment },
    { move: false },
  );
  const rows = stored.map((f) => landedFileRow(batch.batch_id, f));
  await db.transaction(async (trx) => {
    const [{ n }] = (await trx('readings').where('batch_id', batch.batch_id).count({ n: '*' })) as [
      { n: string | number },
    ];
    const inFiles = rows.reduce((sum, r) => sum + r.rows, 0);
    if (Number(n) !== inFiles)
      throw new Error(`batch ${batch.batch_id}: ${n} readings, ${inFiles} in the files written`);
    await checkBucketCounts(trx, batch.source, stored);
    if (rows.length > 0) await trx('landed_files').insert(rows);
    await trx('reading_regions')
      .whereIn('row_id', trx('readings').where('batch_id', batch.batch_id).select('row_id'))
      .delete();
    await trx('readings').where('batch_id', batch.batch_id).delete();
  });
  return { readings: rows.reduce((sum, r) => sum + r.rows, 0), files: rows.length };
}
