/**
 * Issue 5, "Prove it", with real components (the Temporal dev server, a worker, PostgreSQL, sources
 * over loopback HTTP, backups on disk, the real CLI): reruns make no API call and change nothing,
 * --refetch replaces the hour, corrections change exactly the hour they belong to under each
 * strategy, a backup restores into an empty database to identical tables and view, a damaged backup
 * is refused naming its file, and a backfill reports an hour with nothing landed instead of inventing it.
 * Expected numbers come from test/support/expectations.ts, not from the pipeline's code.
 */
import { landedReadings } from '../support/landed';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BackupStore } from '../../adapters/backup/store';
import { storeId } from '../../adapters/db/storeIdentity';
import { LocalObjectStore } from '../../adapters/objectStore';
import { hourAggregates } from '../../adapters/db/hours';
import { threeHoursBefore } from '../../adapters/db/queries';
import { restoreFromBackups } from '../../adapters/db/restore';
import { PrefixedObjectStore } from '../../adapters/objectStore/prefixed';
import { runsForHour } from '../../adapters/db/runs';
import { runImport } from '../../client';
import { addHours, formatHour, truncateToHour } from '../../core/importHour';
import { generateReadings, type SimReading } from '../../sim/generator';
import { createPostgresDatabase } from '../support/databases';
import { expectedAggregates, expectedRegion } from '../support/expectations';
import { runTempctl, startPipeline, TEST_API_KEY, type Pipeline } from '../support/pipeline';
import { expectSameAggregates, lastDataRecords, type StoredAggregate } from '../support/served';
import {
  existingRowCounts,
  RESTORED_TABLES,
  snapshotTables,
  startRecordServer,
  type RecordServer,
} from '../support/recovery';

type Aggregate = StoredAggregate;

const folderOf = (hour: Date) => formatHour(hour).replace(/:/g, '');

/** The hours are placed in the past (FETCH_MAX_LAG_HOURS=48 lets the pipeline fetch them). */
const base = truncateToHour(new Date());

describe('reruns, backfill, backup and restore (simulator over HTTP)', () => {
  let pipeline: Pipeline;
  // Landed and backed up: base-9 … base-3 except base-6, the hole the backfill must report.
  const rangeFrom = addHours(base, -9);
  const rangeTo = addHours(base, -3);
  const missingHour = addHours(base, -6);
  const landedHours = [-9, -8, -7, -5, -4, -3].map((h) => addHours(base, h));
  const rerunHour = addHours(base, -1);
  const expectedByHour = new Map<number, Aggregate[]>();
  let ledgerBefore: unknown[] = [];
  let ledgerRestored: unknown[] = [];

  beforeAll(async () => {
    pipeline = await startPipeline({
      env: { FETCH_MAX_LAG_HOURS: '48' },
      simulator: { readingsPerCall: 200 },
    });
    for (const hour of landedHours) {
      await runImport(pipeline.client, pipeline.config, hour);
      expectedByHour.set(hour.getTime(), expectedAggregates(lastDataRecords(pipeline)));
    }
  });
  afterAll(() => pipeline?.stop());

  test('a rerun recomputes from the landed readings: identical rows, no API call; --refetch calls again and replaces the hour', async () => {
    const { client, config, database, simulator } = pipeline;
    const db = database.db;

    const first = await runImport(client, config, rerunHour);
    const firstRecords = lastDataRecords(pipeline);
    expect(first.sources).toEqual([expect.objectContaining({ source: 'partner-api', reusedLanded: false })]);
    expectSameAggregates(await hourAggregates(db, rerunHour), expectedAggregates(firstRecords));
    const rowsBefore = await hourAggregates(db, rerunHour);
    const readingsBefore = await landedReadings(db, pipeline.runtime.deps, { importHour: rerunHour });

    // Rerun: no call to the source, the same rows, nothing landed again.
    const callsBefore = simulator.calls;
    const rerun = await runImport(client, config, rerunHour);
    expect(simulator.calls).toBe(callsBefore);
    expect(rerun.sources).toEqual([expect.objectContaining({ source: 'partner-api', reusedLanded: true })]);
    expect(await hourAggregates(db, rerunHour)).toEqual(rowsBefore);
    expect(await landedReadings(db, pipeline.runtime.deps, { importHour: rerunHour })).toEqual(
      readingsBefore,
    );

    // --refetch: one new call; the hour is then exactly the new answer's aggregates.
    const refetch = await runImport(client, config, rerunHour, { refetch: true });
    expect(simulator.calls).toBe(callsBefore + 1);
    const newRecords = lastDataRecords(pipeline);
    expect(newRecords).not.toEqual(firstRecords);
    expect(refetch.sources).toEqual([
      expect.objectContaining({ source: 'partner-api', reusedLanded: false, replacedBatches: 1 }),
    ]);
    const expectedNew = expectedAggregates(newRecords);
    expect(expectedNew).not.toEqual(expectedAggregates(firstRecords));
    expectSameAggregates(await hourAggregates(db, rerunHour), expectedNew);
    // The earlier batch is kept (append-only) but superseded.
    const batches = (await db('fetch_batches').where('import_hour', rerunHour).orderBy('batch_id')) as {
      superseded_at: Date | null;
    }[];
    expect(batches.map((b) => b.superseded_at !== null)).toEqual([true, false]);
    const stored = await landedReadings(db, pipeline.runtime.deps, { importHour: rerunHour });
    expect(stored.length).toBe(readingsBefore.length + newRecords.length);

    // A rerun after the refetch stays on the refetched readings, still without a call.
    const rowsAfterRefetch = await hourAggregates(db, rerunHour);
    await runImport(client, config, rerunHour);
    expect(simulator.calls).toBe(callsBefore + 1);
    expect(await hourAggregates(db, rerunHour)).toEqual(rowsAfterRefetch);
    expect(await runsForHour(db, rerunHour)).toHaveLength(4);
  });

  test('tempctl backfill over a range with a missing hour: the window reports that hour, recomputes the others, calls no source; --status lists each hour', async () => {
    const { database, simulator } = pipeline;
    const db = database.db;
    const inRange = () =>
      db('region_hourly_temperature')
        .whereBetween('hour', [rangeFrom, rangeTo])
        .orderBy(['hour', 'region']) as Promise<{ hour: Date }[]>;
    const before = await inRange();
    expect([...new Set(before.map((r) => r.hour.getTime()))]).toEqual(landedHours.map((h) => h.getTime()));
    for (const hour of landedHours)
      expectSameAggregates(await hourAggregates(db, hour), expectedByHour.get(hour.getTime()) ?? []);

    // Lose the aggregates of the range: the backfill must bring each back from the landed readings.
    await db('region_hourly_temperature').whereBetween('hour', [rangeFrom, rangeTo]).delete();
    const callsBefore = simulator.calls;
    const range = ['--from', formatHour(rangeFrom), '--to', formatHour(rangeTo), '--only', 'all'];
    const id = `backfill-${formatHour(rangeFrom)}-${formatHour(rangeTo)}-all`;
    // Two hours a run: the six landed hours take three runs of the window, continuing as new.
    const run = await runTempctl(pipeline, [
      'backfill',
      ...range,
      '--concurrency',
      '2',
      '--hours-per-run',
      '2',
    ]);
    expect(run).toMatchObject({ code: 0 });
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`backfill started: workflow ${id} (backfillWindow, 2 hours a run)`);
    expect(lines.slice(-2)).toEqual([
      'recomputed: 6 hour(s)',
      `no landed readings (not invented): ${formatHour(missingHour)}`,
    ]);
    expect(simulator.calls).toBe(callsBefore);
    expect(await inRange()).toEqual(before);

    const status = await runTempctl(pipeline, ['backfill', ...range, '--status']);
    expect(status.code).toBe(0);
    expect(status.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^backfill ${id}: backfillWindow, COMPLETED \\(started .+\\)$`)),
      ...[-9, -8, -7, -6, -5, -4, -3].map((h) =>
        h === -6
          ? `${formatHour(missingHour)}  no landed readings`
          : `${formatHour(addHours(base, h))}  done`,
      ),
      'progress: 6/6 (failed 0, running 0, pending 0, run 3)',
    ]);
    for (const hour of landedHours) {
      const [latest] = (await runsForHour(db, hour)).sort(
        (a, b) => b.started_at.getTime() - a.started_at.getTime(),
      );
      expect(latest).toMatchObject({ trigger: 'backfill', status: 'succeeded' });
    }
    // The hole stays a hole: no rows, no run, nothing landed.
    expect(await hourAggregates(db, missingHour)).toEqual([]);
    expect(await runsForHour(db, missingHour)).toEqual([]);
    expect(await db('fetch_batches').where('import_hour', missingHour)).toEqual([]);
  });

  test('backup of 7 hours → drop every table → restore into the empty database → identical tables and three-hours-before view', async () => {
    const db = pipeline.database.db;
    const store = new BackupStore(new LocalObjectStore(pipeline.backupDir));
    const hours = [...landedHours, rerunHour];
    const id = await storeId(db);
    expect(await store.storeIds()).toEqual([id]);
    expect((await store.listHours(id)).map((ref) => ref.folder)).toEqual(hours.map(folderOf));

    const tablesBefore = await snapshotTables(db);
    ledgerBefore = await db('import_runs').orderBy('run_id');
    const viewBefore = await threeHoursBefore(db);
    expect(viewBefore).toHaveLength(tablesBefore.region_hourly_temperature?.length ?? -1);
    // The view pairs base-5 with base-8, base-4 with base-7 and base-1 with base-4; base-3's partner
    // (base-6) is missing.
    const paired = viewBefore.filter((r) => r.temperature3HoursBefore !== null);
    expect(new Set(paired.map((r) => formatHour(r.hour)))).toEqual(
      new Set([-5, -4, -1].map((h) => formatHour(addHours(base, h)))),
    );
    for (const row of paired) {
      const earlier = await hourAggregates(db, addHours(row.hour, -3));
      expect(row.temperature3HoursBefore).toBe(earlier.find((e) => e.region === row.region)?.temperature);
    }
    expect(viewBefore.some((r) => r.temperature3HoursBefore === null)).toBe(true);

    // Drop every table (and so the view), as after losing the database.
    const tables = (
      (await db.raw(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)) as {
        rows: { tablename: string }[];
      }
    ).rows.map((r) => r.tablename);
    expect(tables).toEqual(expect.arrayContaining(['readings', 'region_hourly_temperature']));
    for (const table of tables) await db.raw('DROP TABLE IF EXISTS ?? CASCADE', [table]);
    expect(await db.schema.hasTable('region_hourly_temperature')).toBe(false);
    expect(
      (
        (await db.raw(`SELECT count(*)::int AS n FROM pg_views WHERE schemaname = 'public'`)) as {
          rows: { n: number }[];
        }
      ).rows[0]?.n,
    ).toBe(0);

    // Into an empty landing store: the landed files come back from the backup, checksums verified.
    const emptyLanding = new LocalObjectStore(fs.mkdtempSync(path.join(os.tmpdir(), 'tp-restored-landing-')));
    const report = await restoreFromBackups(db, store, { landing: emptyLanding });
    const restoredKeys = (await db('landed_files').pluck('object_key')) as string[];
    expect(restoredKeys.length).toBeGreaterThan(0);
    const bound = new PrefixedObjectStore(emptyLanding, `${report.storeId}/`);
    for (const key of restoredKeys) expect(await bound.stat(key)).toBeDefined();
    ledgerRestored = await db('import_runs').orderBy('run_id');
    expect(report.hours).toEqual(hours.map(formatHour));
    expect(report.rows.region_hourly_temperature).toBe(tablesBefore.region_hourly_temperature?.length);
    expect(await snapshotTables(db)).toEqual(tablesBefore);
    expect(await threeHoursBefore(db)).toEqual(viewBefore);
    // The restored database is the lost one again: same store id, so its landed keys resolve.
    expect(report.storeId).toBe(id);
    expect(await storeId(db)).toBe(id);

    // The real CLI checks every manifest of the same folder (the backups only: the landed objects
    // came back into another store than the pipeline's LANDING_STORE_URL, checked above).
    const verify = await runTempctl(pipeline, [
      'backup',
      'verify',
      '--no-landing',
      '--dir',
      pipeline.backupDir,
    ]);
    expect(verify.code).toBe(0);
    for (const hour of hours) expect(verify.stdout).toContain(`OK    ${formatHour(hour)}`);
    expect(verify.stdout).toContain(`${hours.length} verified, 0 failed`);

    // The restored database works on: a rerun recomputes from the restored readings (rebuilding the
    // derived region assignments) to the same rows without a call, and a new hour lands after the
    // restored ids.
    const { client, config, simulator } = pipeline;
    const callsBefore = simulator.calls;
    const rerunOf = addHours(base, -5);
    const rowsOfRerun = await hourAggregates(db, rerunOf);
    await runImport(client, config, rerunOf);
    expect(simulator.calls).toBe(callsBefore);
    expect(await hourAggregates(db, rerunOf)).toEqual(rowsOfRerun);
    const newHour = addHours(base, -2);
    await runImport(client, config, newHour);
    expect(simulator.calls).toBe(callsBefore + 1);
    expectSameAggregates(await hourAggregates(db, newHour), expectedAggregates(lastDataRecords(pipeline)));
  });

  // The hour is backed up after its run's end is written, so the backup holds the finished run.
  test('the restored run ledger says how each run ended, as before the loss', () => {
    expect(ledgerBefore.length).toBeGreaterThan(0);
    expect(ledgerRestored).toEqual(ledgerBefore);
  });

  const damages: [string, (file: string) => void][] = [
    [
      'a flipped byte',
      (file) => {
        const bytes = fs.readFileSync(file);
        const at = Math.floor(bytes.length / 2);
        bytes[at] = (bytes[at] ?? 0) ^ 0xff;
        fs.writeFileSync(file, bytes);
      },
    ],
    ['a truncated file', (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2))],
  ];

  test.each(damages)(
    'a backup file with %s: verify fails naming it; restore refuses it, naming it, and writes nothing',
    async (_damage, damage) => {
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-backup-damaged-'));
      const target = await createPostgresDatabase();
      try {
        fs.cpSync(pipeline.backupDir, copy, { recursive: true });
        const copied = new BackupStore(new LocalObjectStore(copy));
        const [id] = await copied.storeIds();
        const folders = await copied.listHours(id ?? '');
        const damagedFolder = folderOf(addHours(base, -4));
        const generation = folders.find((ref) => ref.folder === damagedFolder)?.generation ?? '';
        const file = path.join(copy, ...`${generation}tables/readings.ndjson.gz`.split('/'));
        damage(file);

        const verify = await runTempctl(pipeline, ['backup', 'verify', '--no-landing', '--dir', copy]);
        expect(verify.code).not.toBe(0);
        expect(verify.stdout).toContain(`FAIL  ${damagedFolder}  file://${file}`);
        expect(verify.stdout).toContain(`${folders.length - 1} verified, 1 failed`);
        expect(verify.stderr).toContain('1 backup(s) failed verification');

        await expect(restoreFromBackups(target.db, copied)).rejects.toThrow(
          new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*corrupted or truncated`),
        );
        const everyTable = [...RESTORED_TABLES.map(([table]) => table), 'import_runs', 'reading_regions'];
        const nothingWritten = (counts: Record<string, number>) =>
          expect(Object.values(counts).filter((n) => n > 0)).toEqual([]);
        nothingWritten(await existingRowCounts(target.db, everyTable));

        // The CLI's restore refuses it too, with the file in its error.
        const restore = await runTempctl(pipeline, ['restore', '--from', copy], {
          DATABASE_URL: target.url ?? '',
        });
        expect(restore.code).not.toBe(0);
        expect(restore.stderr).toContain(file);
        nothingWritten(await existingRowCounts(target.db, everyTable));
      } finally {
        await target.drop();
        fs.rmSync(copy, { recursive: true, force: true });
      }
    },
  );
});

describe('corrections sent in a later import (a source answering chosen records over HTTP)', () => {
  let source: RecordServer;
  beforeAll(async () => {
    source = await startRecordServer(TEST_API_KEY);
  });
  afterAll(() => source?.close());

  const PARIS = { lat: 48.8566, lon: 2.3522 };
  const LYON = { lat: 45.764, lon: 4.8357 };
  const halfPast = (hour: Date) => new Date(hour.getTime() + 30 * 60_000);
  const round4 = (n: number) => Math.round(n * 1e4) / 1e4;

  /** H1's readings; H2 re-sends some with new values (B) and some unchanged; H3 sends the originals (A) back. */
  function scenario(h1: Date, h2: Date, h3: Date, seed: number) {
    const h1Records = generateReadings(seed, 1, 200, halfPast(h1));
    const regionOf = (r: SimReading) => expectedRegion(r.lon, r.lat);
    const notParis = h1Records.filter((r) => regionOf(r) !== null && regionOf(r) !== 'Île-de-France');
    const outside = h1Records.filter((r) => regionOf(r) === null);
    const [moved, ...rest] = notParis;
    if (!moved || rest.length < 14 || !outside[0]) throw new Error('the generated hour is too small');
    const corrections: SimReading[] = [
      ...rest.slice(0, 8).map((r, i) => ({ ...r, temperature: round4(r.temperature + 2.5 + i) })),
      // Moved into another region: two regions' counts change.
      { ...moved, ...PARIS, temperature: 13.25 },
      // A reading in no region corrected to a position in one: a count grows.
      { ...outside[0], ...LYON, country: 'France' },
    ];
    const resentUnchanged = rest.slice(10, 14);
    const h2Fresh = generateReadings(seed, 2, 150, halfPast(h2));
    const h3Fresh = generateReadings(seed, 3, 150, halfPast(h3));
    const correctedIds = new Set(corrections.map((c) => c.id));
    const correctedById = new Map(corrections.map((c) => [c.id, c]));
    const h1Latest = h1Records.map((r) => correctedById.get(r.id) ?? r);
    const touchedRegions = new Set(
      [...h1Records.filter((r) => correctedIds.has(r.id)), ...corrections].map(regionOf),
    );
    return {
      h1Records,
      h2Records: [...h2Fresh.slice(0, 75), ...corrections, ...h2Fresh.slice(75), ...resentUnchanged],
      h3Records: [...h3Fresh, ...h1Records.filter((r) => correctedIds.has(r.id))],
      corrections,
      resentUnchanged,
      touchedRegions,
      expected: {
        h1First: expectedAggregates(h1Records),
        h1Latest: expectedAggregates(h1Latest),
        h2: expectedAggregates(h2Fresh),
        h3: expectedAggregates(h3Fresh),
      },
    };
  }

  describe('CORRECTION_STRATEGY=latest', () => {
    let pipeline: Pipeline;
    const [h1, h2, h3] = [-20, -19, -18].map((h) => addHours(base, h)) as [Date, Date, Date];
    const s = scenario(h1, h2, h3, 11);

    beforeAll(async () => {
      pipeline = await startPipeline({
        env: {
          FETCH_MAX_LAG_HOURS: '48',
          CORRECTION_STRATEGY: 'latest',
          SENSOR_API_URL: source.url,
        },
      });
    });
    afterAll(() => pipeline?.stop());

    test('a correction in H2 changes exactly H1’s means and counts as recomputed independently; H2 counts only its own readings', async () => {
      const { client, config, database } = pipeline;
      const db = database.db;
      // The scenario really changes H1: means, and the counts of the regions readings moved between.
      expect(s.expected.h1Latest).not.toEqual(s.expected.h1First);
      expect(s.expected.h1Latest.map((r) => r.numberOfPoints)).not.toEqual(
        s.expected.h1First.map((r) => r.numberOfPoints),
      );

      source.setRecords(s.h1Records);
      const callsBefore = source.calls;
      await runImport(client, config, h1);
      expect(source.calls).toBe(callsBefore + 1);
      expectSameAggregates(await hourAggregates(db, h1), s.expected.h1First);
      const h1Before = await hourAggregates(db, h1);

      source.setRecords(s.h2Records);
      const summary = await runImport(client, config, h2);
      expect(source.calls).toBe(callsBefore + 2);
      expect(summary.recomputedHours).toEqual([formatHour(h1)]);
      expect(summary.totals).toMatchObject({
        fetched: s.h2Records.length,
        corrections: s.corrections.length,
        duplicates: s.resentUnchanged.length,
      });
      expectSameAggregates(await hourAggregates(db, h1), s.expected.h1Latest);
      expectSameAggregates(await hourAggregates(db, h2), s.expected.h2);
      // Regions no correction touched keep exactly their rows.
      const untouched = (rows: Aggregate[]) => rows.filter((r) => !s.touchedRegions.has(r.region));
      expect(untouched(await hourAggregates(db, h1))).toEqual(untouched(h1Before));
      expect(untouched(h1Before).length).toBeGreaterThan(0);

      // Every version is kept: the corrections are stored under H2's import, counting in H1.
      const versions = await landedReadings(db, pipeline.runtime.deps, { importHour: h2, belongsToHour: h1 });
      expect(versions.map((v) => v.reading_id).sort()).toEqual(s.corrections.map((c) => c.id).sort());
    });

    test('restored from the backups, H1 has its corrected aggregates: H2’s backup holds them, H1’s own keeps the first', async () => {
      const { database, runtime } = pipeline;
      const backup = runtime.deps.backupStore;
      const id = await storeId(database.db);
      const refs = await backup.listHours(id);
      const refOf = (hour: Date) => {
        const ref = refs.find((r) => r.folder === folderOf(hour));
        if (!ref) throw new Error(`no backup of ${formatHour(hour)}`);
        return ref;
      };
      const [own, later] = [refOf(h1), refOf(h2)];
      const [ownManifest, laterManifest] = [await backup.readManifest(own), await backup.readManifest(later)];
      const rowsOf = async (ref: typeof own, manifest: typeof ownManifest, table: string) => {
        const rows: Aggregate[] = [];
        for await (const row of backup.readTable(ref, manifest, table))
          rows.push(row as unknown as Aggregate);
        return rows;
      };
      // H1's own backup was written before H2 corrected it; H2's holds what the correction made of H1.
      expectSameAggregates(await rowsOf(own, ownManifest, 'region_hourly_temperature'), s.expected.h1First);
      expect(laterManifest.correctedHours).toEqual([formatHour(h1)]);
      expectSameAggregates(await rowsOf(later, laterManifest, 'corrected_aggregates'), s.expected.h1Latest);

      const target = await createPostgresDatabase();
      try {
        const landing = new LocalObjectStore(fs.mkdtempSync(path.join(os.tmpdir(), 'tp-restored-landing-')));
        const report = await restoreFromBackups(target.db, backup, { from: h1, to: h2, landing });
        expect(report.hours).toEqual([formatHour(h1), formatHour(h2)]);
        expectSameAggregates(await hourAggregates(target.db, h1), s.expected.h1Latest);
        expectSameAggregates(await hourAggregates(target.db, h2), s.expected.h2);
        // Restored alone, H1 comes back as its own backup holds it: H2's correction is not restored.
        await target.db.raw('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
        await restoreFromBackups(target.db, backup, { from: h1, to: h1, landing });
        expectSameAggregates(await hourAggregates(target.db, h1), s.expected.h1First);
      } finally {
        await target.drop();
      }
    });

    test('A → B → A: a correction back to the original value gives A’s numbers again', async () => {
      const { client, config, database } = pipeline;
      const db = database.db;
      source.setRecords(s.h3Records);
      const h2Before = await hourAggregates(db, h2);
      const summary = await runImport(client, config, h3);
      expect(summary.recomputedHours).toEqual([formatHour(h1)]);
      expect(summary.totals.corrections).toBe(s.corrections.length);
      expectSameAggregates(await hourAggregates(db, h1), s.expected.h1First);
      expect(await hourAggregates(db, h2)).toEqual(h2Before);
      expectSameAggregates(await hourAggregates(db, h3), s.expected.h3);
    });
  });

  describe('CORRECTION_STRATEGY=first', () => {
    let pipeline: Pipeline;
    const [h1, h2, h3] = [-30, -29, -28].map((h) => addHours(base, h)) as [Date, Date, Date];
    const s = scenario(h1, h2, h3, 23);

    beforeAll(async () => {
      pipeline = await startPipeline({
        env: {
          FETCH_MAX_LAG_HOURS: '48',
          CORRECTION_STRATEGY: 'first',
          SENSOR_API_URL: source.url,
        },
      });
    });
    afterAll(() => pipeline?.stop());

    test('a correction in H2 leaves H1 unchanged (kept and reported as a correction); H2 counts only its own readings', async () => {
      const { client, config, database } = pipeline;
      const db = database.db;
      source.setRecords(s.h1Records);
      await runImport(client, config, h1);
      expectSameAggregates(await hourAggregates(db, h1), s.expected.h1First);
      const h1Before = await hourAggregates(db, h1);

      source.setRecords(s.h2Records);
      const summary = await runImport(client, config, h2);
      expect(summary.recomputedHours).toEqual([formatHour(h1)]);
      expect(summary.totals).toMatchObject({
        corrections: s.corrections.length,
        duplicates: s.resentUnchanged.length,
      });
      expect(await hourAggregates(db, h1)).toEqual(h1Before);
      expectSameAggregates(await hourAggregates(db, h2), s.expected.h2);
      const versions = await landedReadings(db, pipeline.runtime.deps, { importHour: h2, belongsToHour: h1 });
      expect(versions.length).toBe(s.corrections.length);
    });
  });
});
