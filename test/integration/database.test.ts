import fs from 'node:fs';
import path from 'node:path';
import { migrateDownAll, migrateToLatest } from '../../adapters/db/connection';
import { hourAggregates, replaceHourAggregates } from '../../adapters/db/hours';
import { threeHoursBefore } from '../../adapters/db/queries';
import { commitBatch } from '../../adapters/db/landing';
import { DATABASE_KINDS, type TestDatabase } from '../support/databases';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);

describe.each(DATABASE_KINDS)('database on %s', (_kind, factory) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await factory();
    await migrateToLatest(database.db);
  });
  afterAll(() => database.drop());

  test('migrations create the user table with exactly its columns, and roll back to nothing', async () => {
    const { db } = database;
    const columns = (await db('information_schema.columns')
      .where({ table_name: 'region_hourly_temperature' })
      .orderBy('ordinal_position')
      .select('column_name', 'data_type')) as { column_name: string; data_type: string }[];
    expect(columns).toEqual([
      { column_name: 'hour', data_type: 'timestamp with time zone' },
      { column_name: 'region', data_type: 'text' },
      { column_name: 'temperature', data_type: 'double precision' },
      { column_name: 'numberOfPoints', data_type: 'integer' },
    ]);
    const key = (await db.raw(`
      SELECT a.attname AS column FROM pg_index i
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = 'region_hourly_temperature'::regclass AND i.indisprimary ORDER BY a.attname`)) as {
      rows: { column: string }[];
    };
    expect(key.rows.map((r) => r.column)).toEqual(['hour', 'region']);

    await migrateDownAll(db);
    const left = (await db('information_schema.tables')
      .where({ table_schema: 'public' })
      .whereNot('table_name', 'like', 'knex_%')
      .select('table_name')) as unknown[];
    expect(left).toEqual([]);
    await migrateToLatest(db);
  });

  test('persisting an hour twice leaves the same rows, and drops a region that no longer has points', async () => {
    const { db } = database;
    const hour = at('2026-01-01T10:00:00Z');
    const first = [
      { region: 'Bretagne', temperature: 11.5, numberOfPoints: 3 },
      { region: 'Corse', temperature: 17.25, numberOfPoints: 2 },
    ];
    await replaceHourAggregates(db, hour, first);
    const once = await hourAggregates(db, hour);
    await replaceHourAggregates(db, hour, first);
    expect(await hourAggregates(db, hour)).toEqual(once);
    expect(once).toEqual(first);

    const second = [{ region: 'Corse', temperature: 18, numberOfPoints: 4 }];
    const outcome = await replaceHourAggregates(db, hour, second);
    expect(outcome).toEqual({ upserted: 1, deleted: 1 });
    expect(await hourAggregates(db, hour)).toEqual(second);
  });

  test('the three-hours-before view gives NULL where the hour 3 hours earlier is missing', async () => {
    const { db } = database;
    await db('region_hourly_temperature').delete();
    const base = at('2026-02-01T00:00:00Z').getTime();
    // Region A misses hour 4; region B has only hours 0, 3 and 7.
    const rows = [
      ...[0, 1, 2, 3, 5, 6, 7].map((h) => ({ region: 'A', h, temperature: 10 + h })),
      ...[0, 3, 7].map((h) => ({ region: 'B', h, temperature: -h - 1 })),
    ].map(({ region, h, temperature }) => ({
      hour: new Date(base + h * HOUR),
      region,
      temperature,
      numberOfPoints: 1,
    }));
    await db('region_hourly_temperature').insert(rows);

    const expected = rows
      .map((row) => ({
        region: row.region,
        hour: row.hour,
        temperature: row.temperature,
        temperature3HoursBefore:
          rows.find((o) => o.region === row.region && o.hour.getTime() === row.hour.getTime() - 3 * HOUR)
            ?.temperature ?? null,
      }))
      .sort((a, b) => a.hour.getTime() - b.hour.getTime() || a.region.localeCompare(b.region));
    expect(await threeHoursBefore(db)).toEqual(expected);
    // Hour 7 of A: hour 4 is missing, so NULL even though a LAG(…, 3) would have found hour 3.
    expect(
      expected.find((r) => r.region === 'A' && r.hour.getTime() === base + 7 * HOUR)?.temperature3HoursBefore,
    ).toBeNull();

    const sqlFile = fs.readFileSync(path.join(__dirname, '../../sql/temperature_3_hours_before.sql'), 'utf8');
    const fromFile = (await db.raw(sqlFile)) as { rows: Record<string, unknown>[] };
    expect(
      fromFile.rows.map((r) => ({
        region: r.Region,
        hour: r.Hour,
        temperature: r.Temperature,
        temperature3HoursBefore: r.Temperature3HoursBefore,
      })),
    ).toEqual(
      [...expected].sort((a, b) => a.region.localeCompare(b.region) || a.hour.getTime() - b.hour.getTime()),
    );
  });

  test('committing a batch twice stores it once; its files and quarantined records with every reason', async () => {
    const { db } = database;
    const rejections = [
      {
        record: { id: 'b', timestamp: 'yesterday', lat: 123, lon: 2.35, temperature: 999 },
        reasons: [
          { code: 'timestamp_invalid' as const, message: 'timestamp' },
          { code: 'lat_invalid' as const, message: 'lat' },
        ],
      },
      { record: 'not a record', reasons: [{ code: 'not_an_object' as const, message: 'text' }] },
    ];
    const input = {
      importHour: at('2026-03-01T10:00:00Z'),
      source: 'partner-api',
      batchKey: 'pull:2026-03-01T10:00:00Z',
      runId: 'run-1',
      fetchedAt: at('2026-03-01T10:00:05Z'),
      rawKey: 'raw/x.json',
      counts: {
        fetched: 4,
        valid: 1,
        rejected: 2,
        rejectedByReason: { lat_invalid: 1 },
        duplicates: 1,
        corrections: 0,
      },
      correctedHours: [],
      files: [
        {
          key: 'landing/a.parquet',
          belongsToHour: at('2026-03-01T10:00:00Z'),
          bucket: 3,
          bucketCount: 8,
          rows: 1,
          bytes: 100,
          sha256: 'ab'.repeat(32),
        },
      ],
      rejections,
    };
    const first = await commitBatch(db, input);
    const again = await commitBatch(db, input);
    expect(first).toMatchObject({ alreadyLanded: false, fetched: 4, valid: 1, rejected: 2, duplicates: 1 });
    expect(again).toEqual({ ...first, alreadyLanded: true });
    expect(await db('landed_files').count({ n: '*' }).first()).toEqual({ n: 1 });

    const quarantined = (await db('quarantine').orderBy('quarantine_id').select('raw', 'reasons')) as {
      raw: unknown;
      reasons: { code: string }[];
    }[];
    expect(quarantined.map((q) => q.raw)).toEqual(rejections.map((r) => r.record));
    expect(quarantined[0]?.reasons.map((r) => r.code)).toEqual(['timestamp_invalid', 'lat_invalid']);
  });
  test("a source's new hour gets one bucket count: of two batches committed at once with different counts, one is refused (retryable) and stores nothing; another source keeps its own", async () => {
    const { db } = database;
    const hour = at('2026-03-01T11:00:00Z');
    const batch = (source: string, key: string, bucketCount: number) => ({
      importHour: hour,
      source,
      batchKey: `pull:${key}`,
      runId: 'run-2',
      fetchedAt: at('2026-03-01T11:00:05Z'),
      rawKey: `raw/${key}.json`,
      counts: { fetched: 1, valid: 1, rejected: 0, rejectedByReason: {}, duplicates: 0, corrections: 0 },
      correctedHours: [],
      files: [
        {
          key: `landing/counts-${key}.parquet`,
          belongsToHour: hour,
          bucket: 0,
          bucketCount,
          rows: 1,
          bytes: 100,
          sha256: 'cd'.repeat(32),
        },
      ],
      rejections: [],
    });
    const outcomes = await Promise.allSettled([
      commitBatch(db, batch('partner-api', 'a', 8)),
      commitBatch(db, batch('partner-api', 'b', 1)),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused?.reason).toMatchObject({ kind: 'database', retryable: true });
    expect(String((refused?.reason as Error).message)).toMatch(/split into (8|1) buckets by another batch/);
    const counts = async () =>
      (await db('landed_files as f')
        .join('fetch_batches as b', 'b.batch_id', 'f.batch_id')
        .where('f.belongs_to_hour', hour)
        .orderBy('b.source')
        .select('b.source', 'f.bucket_count')) as { source: string; bucket_count: number }[];
    const stored = await counts();
    expect(stored).toHaveLength(1);
    expect(await db('fetch_batches').where('import_hour', hour).count({ n: '*' }).first()).toEqual({ n: 1 });
    // The refused batch's next attempt uses the count its source has in the hour, and lands.
    const kept = stored[0]?.bucket_count ?? Number.NaN;
    const loser =
      outcomes[0]?.status === 'rejected' ? batch('partner-api', 'a', kept) : batch('partner-api', 'b', kept);
    await expect(commitBatch(db, loser)).resolves.toMatchObject({ alreadyLanded: false });
    // Another source's count in the same hour is its own.
    await expect(commitBatch(db, batch('file-drop', 'c', 3))).resolves.toMatchObject({
      alreadyLanded: false,
    });
    expect((await counts()).map((r) => [r.source, r.bucket_count])).toEqual([
      ['file-drop', 3],
      ['partner-api', kept],
      ['partner-api', kept],
    ]);
  });
});
