/**
 * Several sources in one import (the partner API and a file drop), what happens when one fails
 * under each SOURCE_FAILURE_POLICY, and a data-quality check that fails the run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { landedReadings } from '../support/landed';
import { WorkflowFailedError } from '@temporalio/client';
import { hourAggregates } from '../../adapters/db/hours';
import { runsForHour } from '../../adapters/db/runs';
import { runImport } from '../../client/imports';
import { deepestMessage } from '../../core/errors';
import { addHours, truncateToHour } from '../../core/importHour';
import { expectedAggregates, expectedRegion } from '../support/expectations';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { lastDataRecords } from '../support/served';

type Aggregate = { region: string; temperature: number; numberOfPoints: number };

function expectSame(actual: Aggregate[], expected: Aggregate[]): void {
  const sorted = [...actual].sort((a, b) => a.region.localeCompare(b.region, 'fr'));
  expect(sorted.map((r) => [r.region, r.numberOfPoints])).toEqual(
    expected.map((r) => [r.region, r.numberOfPoints]),
  );
  sorted.forEach((row, i) => expect(row.temperature).toBeCloseTo(expected[i]?.temperature ?? NaN, 9));
}

/** Readings at chosen places, in France and abroad, with ids no simulator produces. */
function fileReadings(prefix: string, count: number, hour: Date) {
  const timestamp = hour.toISOString().slice(0, 19).replace('T', ' ');
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    timestamp,
    lat: 43 + (i % 8) * 1.0 + 0.123,
    lon: -1 + (i % 9) * 0.9 + 0.321,
    temperature: Math.round((i * 7.3) % 30) - 5 + 0.25,
    country: 'France',
  }));
}

function dropNdjson(dir: string, name: string, records: object[]): void {
  fs.writeFileSync(path.join(dir, name), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

function dropCsv(dir: string, name: string, records: ReturnType<typeof fileReadings>): void {
  const lines = records.map((r) => [r.id, r.timestamp, r.lat, r.lon, r.temperature, r.country].join(','));
  fs.writeFileSync(
    path.join(dir, name),
    ['id,timestamp,lat,lon,temperature,country', ...lines].join('\n') + '\n',
  );
}

const now = truncateToHour(new Date());

describe('two sources, SOURCE_FAILURE_POLICY=partial, rejected-share check set to fail', () => {
  let pipeline: Pipeline;
  let dropDir: string;
  beforeAll(async () => {
    dropDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-drop-'));
    pipeline = await startPipeline({
      env: {
        SOURCES: 'partner-api,file-drop',
        FILE_DROP_DIR: dropDir,
        SOURCE_FAILURE_POLICY: 'partial',
        CHECK_REJECTED_SHARE: 'fail',
        CHECK_REJECTED_SHARE_MAX: '0.01',
        FETCH_MAX_LAG_HOURS: '48',
        // One bucket per 100 readings: the partner's ~500 readings and the file drop's first file
        // (40) split one hour into different bucket counts.
        HOUR_BUCKET_READINGS: '100',
      },
    });
  });
  afterAll(async () => {
    await pipeline.stop();
    fs.rmSync(dropDir, { recursive: true, force: true });
  });

  test('one import of both sources matches an independent computation over both', async () => {
    const hour = now;
    const ndjson = fileReadings('nd', 40, hour);
    const csv = fileReadings('csv', 25, hour).map((r) => ({ ...r, lat: r.lat + 0.5 }));
    dropNdjson(dropDir, 'a.ndjson', ndjson);
    dropCsv(dropDir, 'b.csv', csv);

    const summary = await runImport(pipeline.client, pipeline.config, hour);
    const apiRecords = lastDataRecords(pipeline);
    expectSame(
      await hourAggregates(pipeline.database.db, hour),
      expectedAggregates([...apiRecords, ...ndjson, ...csv]),
    );
    // Each source has its own bucket count in the hour, from its own first batch.
    const counts = (await pipeline.database
      .db('landed_files as f')
      .join('fetch_batches as b', 'b.batch_id', 'f.batch_id')
      .where('f.belongs_to_hour', hour)
      .distinct('b.source', 'f.bucket_count')) as { source: string; bucket_count: number }[];
    // The file drop's count comes from whichever file landed first; both hold fewer than 100.
    expect(Object.fromEntries(counts.map((c) => [c.source, c.bucket_count]))).toEqual({
      'partner-api': Math.min(8, Math.ceil(apiRecords.length / 100)),
      'file-drop': Math.ceil(Math.max(ndjson.length, csv.length) / 100),
    });
    expect(summary.sources.map((s) => [s.source, s.fetched]).sort()).toEqual(
      [
        ['file-drop', ndjson.length + csv.length],
        ['partner-api', apiRecords.length],
      ].sort(),
    );
    const bySource = new Map<string, number>();
    for (const r of await landedReadings(pipeline.database.db, pipeline.runtime.deps, { importHour: hour }))
      bySource.set(r.source, (bySource.get(r.source) ?? 0) + 1);
    expect(Object.fromEntries(bySource)).toEqual({
      'file-drop': ndjson.length + csv.length,
      'partner-api': apiRecords.length,
    });
    // Each file is consumed once: moved aside, and not landed again by the next import.
    expect(fs.readdirSync(dropDir).filter((f) => !fs.statSync(path.join(dropDir, f)).isDirectory())).toEqual(
      [],
    );
    expect(fs.readdirSync(path.join(dropDir, 'processed')).sort()).toEqual(['a.ndjson', 'b.csv']);
  });

  test('the partner API rejecting the key: the file drop is stored, the hour marked incomplete; a rerun completes it', async () => {
    const hour = addHours(now, -1);
    const dropped = fileReadings('partial', 30, hour);
    dropNdjson(dropDir, 'c.ndjson', dropped);
    pipeline.simulator.setFaults(['401']);

    const summary = await runImport(pipeline.client, pipeline.config, hour);
    expect(summary.status).toBe('incomplete');
    expect(summary.failedSources).toEqual([
      {
        source: 'partner-api',
        error: expect.stringMatching(/the sensor API rejected the API key/) as unknown,
        // The part that failed and what to check (issue 25).
        origin: { component: 'partner', setting: 'SENSOR_API_URL, SENSOR_API_KEY' },
      },
    ]);
    expectSame(await hourAggregates(pipeline.database.db, hour), expectedAggregates(dropped));
    expect((await runsForHour(pipeline.database.db, hour))[0]?.status).toBe('incomplete');

    // The API answers again: a rerun fetches only the source that landed nothing for the hour.
    const rerun = await runImport(pipeline.client, pipeline.config, hour);
    expect(rerun.status).toBe('succeeded');
    expect(rerun.sources.find((s) => s.source === 'file-drop')?.reusedLanded).toBe(true);
    expectSame(
      await hourAggregates(pipeline.database.db, hour),
      expectedAggregates([...lastDataRecords(pipeline), ...dropped]),
    );
  });

  test('a rejected share above the limit fails the run by the check, naming it; nothing is stored', async () => {
    const hour = addHours(now, -2);
    pipeline.simulator.setFaults(['malformed']);
    const failure = await runImport(pipeline.client, pipeline.config, hour).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(deepestMessage(failure)).toMatch(
      /data-quality check failed, nothing stored: rejected_share: .* above the limit of 1\.0 %/,
    );
    expect(await hourAggregates(pipeline.database.db, hour)).toEqual([]);
    // Nothing is lost: what was received stays landed, the bad records in quarantine.
    const landed = await landedReadings(pipeline.database.db, pipeline.runtime.deps, { importHour: hour });
    expect(landed.length).toBeGreaterThan(0);
    const quarantined = (await pipeline.database
      .db('quarantine')
      .where('import_hour', hour)
      .count({ n: '*' })
      .first()) as {
      n: string;
    };
    expect(Number(quarantined.n)).toBe(5);
  });
});

describe('SOURCE_FAILURE_POLICY=fail (the default)', () => {
  let pipeline: Pipeline;
  let dropDir: string;
  beforeAll(async () => {
    dropDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-drop-'));
    pipeline = await startPipeline({ env: { SOURCES: 'partner-api,file-drop', FILE_DROP_DIR: dropDir } });
  });
  afterAll(async () => {
    await pipeline.stop();
    fs.rmSync(dropDir, { recursive: true, force: true });
  });

  test('a failing source fails the run: no aggregates, but what the other source sent stays landed', async () => {
    const hour = now;
    const dropped = fileReadings('failpolicy', 12, hour);
    dropNdjson(dropDir, 'd.ndjson', dropped);
    pipeline.simulator.setFaults(['404']);
    const failure = await runImport(pipeline.client, pipeline.config, hour).catch((error: unknown) => error);
    expect(deepestMessage(failure)).toMatch(/source failed: partner-api: .*404/);
    expect(await hourAggregates(pipeline.database.db, hour)).toEqual([]);
    const ids = (
      await landedReadings(pipeline.database.db, pipeline.runtime.deps, {
        importHour: hour,
        source: 'file-drop',
      })
    ).map((r) => r.reading_id);
    expect(ids.sort()).toEqual(dropped.map((r) => r.id).sort());
    // Sanity: the file's readings are at least partly inside France, so the test would see them counted.
    expect(dropped.some((r) => expectedRegion(r.lon, r.lat) !== null)).toBe(true);
  });
});
