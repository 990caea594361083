/**
 * The upgrade path: a database built by the previous migrations (001-003), holding readings landed
 * by the row-store pipeline, upgraded by the migrations and the move into the landing store. The
 * readings leave PostgreSQL, every file's stored bytes match its recorded sha256 and the row counts
 * match; recomputing the old hours from the files gives the means and counts computed here
 * independently from the records (a correction in the later hour included).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import * as initial from '../../migrations/001_initial';
import * as threeHoursBefore from '../../migrations/002_three_hours_before_view';
import * as readingsByImportHour from '../../migrations/003_readings_by_import_hour';
import { loadConfig } from '../../config';
import { buildRuntime } from '../../worker/runtime';
import { createActivities } from '../../activities';
import { mergeBuckets } from '../../core/bucket';
import { generateReadings } from '../../sim/generator';
import { createPostgresDatabase, type TestDatabase } from '../support/databases';
import { expectedAggregates } from '../support/expectations';

const H1 = new Date('2026-11-27T14:00:00Z');
const H2 = new Date('2026-11-27T15:00:00Z');
const OLD: Record<string, Knex.Migration> = {
  '001_initial': initial,
  '002_three_hours_before_view': threeHoursBefore,
  '003_readings_by_import_hour': readingsByImportHour,
};

let database: TestDatabase;
let dir: string;
beforeAll(async () => {
  database = await createPostgresDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-upgrade-'));
});
afterAll(async () => {
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Lands a batch as the row-store pipeline did: a batch row and one `readings` row per version. */
async function landOld(
  db: Knex,
  hour: Date,
  key: string,
  rows: { record: ReturnType<typeof generateReadings>[number]; belongs: Date }[],
) {
  const [{ batch_id }] = (await db('fetch_batches')
    .insert({
      import_hour: hour,
      source: 'partner-api',
      batch_key: key,
      run_id: `run-${key}`,
      fetched_at: hour,
      record_count: rows.length,
    })
    .returning('batch_id')) as [{ batch_id: number }];
  await db('readings').insert(
    rows.map(({ record, belongs }) => ({
      batch_id,
      import_hour: hour,
      belongs_to_hour: belongs,
      source: 'partner-api',
      reading_id: record.id,
      content_hash: 'old',
      measured_at: new Date(`${record.timestamp.replace(' ', 'T')}Z`),
      lat: record.lat,
      lon: record.lon,
      temperature: record.temperature,
      country: record.country,
      received_at: hour,
      raw: JSON.stringify(record),
    })),
  );
}

test('tempctl migrate moves the row-store readings into the landing store; old hours recompute to the same means', async () => {
  const { db } = database;
  await db.migrate.latest({
    migrationSource: {
      getMigrations: () => Promise.resolve(Object.keys(OLD)),
      getMigrationName: (name: string) => name,
      getMigration: (name: string) => Promise.resolve(OLD[name] as Knex.Migration),
    },
  });
  const first = generateReadings(5, 0, 60, new Date('2026-11-27T14:05:00Z'));
  const second = generateReadings(5, 1, 40, new Date('2026-11-27T15:05:00Z'));
  // Three corrections of H1's readings sent in H2: they count in H1, as the newest versions.
  const corrections = first.slice(0, 3).map((r) => ({ ...r, temperature: r.temperature + 5 }));
  await landOld(
    db,
    H1,
    'pull:2026-11-27T14:00:00Z',
    first.map((record) => ({ record, belongs: H1 })),
  );
  await landOld(db, H2, 'pull:2026-11-27T15:00:00Z', [
    ...second.map((record) => ({ record, belongs: H2 })),
    ...corrections.map((record) => ({ record, belongs: H1 })),
  ]);

  const config = loadConfig({
    DATABASE_URL: database.url,
    LANDING_STORE_URL: path.join(dir, 'landing'),
    DATA_DIR: path.join(dir, 'data'),
    BACKUP_DIR: path.join(dir, 'backups'),
    HOUR_BUCKETS: '3',
    HOUR_BUCKET_READINGS: '1',
    SENSOR_API_URL: 'http://127.0.0.1:9/unused',
    SENSOR_API_KEY: 'unused',
  });
  // The worker's start runs the migrations and the move (as `tempctl migrate` does).
  const runtime = await buildRuntime(config, { db });
  try {
    expect(Number((await db('readings').count({ n: '*' }).first())?.n)).toBe(0);
    const files = (await db('landed_files').orderBy('file_id')) as {
      object_key: string;
      rows: string;
      sha256: string;
    }[];
    expect(files.reduce((sum, f) => sum + Number(f.rows), 0)).toBe(60 + 40 + 3);
    for (const file of files) {
      const bytes = fs.readFileSync(await runtime.deps.landingStore.getFile(file.object_key, dir));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    }

    const activities = createActivities(runtime.deps);
    const recompute = async (hour: Date) => {
      const plan = await activities.planHour({ hour: hour.toISOString() });
      const computed = [];
      for (const bucket of plan.stale)
        computed.push(await activities.aggregateBucket({ hour: hour.toISOString(), bucket }));
      return mergeBuckets([...plan.fresh, ...computed].map((o) => o.result)).aggregates;
    };
    const counted = [...corrections, ...first.slice(3)];
    for (const [hour, records] of [
      [H1, counted],
      [H2, second],
    ] as const) {
      const expected = expectedAggregates(records);
      const actual = await recompute(hour);
      expect(actual.map((a) => [a.region, a.numberOfPoints])).toEqual(
        expected.map((e) => [e.region, e.numberOfPoints]),
      );
      actual.forEach((a, i) => expect(a.temperature).toBeCloseTo(expected[i]?.temperature ?? NaN, 9));
    }
  } finally {
    await runtime.close();
  }
});
