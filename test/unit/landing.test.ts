/**
 * The landing's parse, checks and version rules in DuckDB (adapters/analytics/landing.ts), on
 * bodies written here: the fast path, the record-by-record path for the records it does not take
 * (and for a whole body DuckDB refuses), duplicates and corrections against earlier files, and
 * the files written per (hour, bucket). Expected values are spelled out by hand.
 */
import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { openAnalytics, queryRows, sqlPaths, type Analytics } from '../../adapters/analytics/duckdb';
import { landBody, type LandBodyInput, type LandedBody } from '../../adapters/analytics/landing';
import { readCounted } from '../../adapters/analytics/bucket';
import { DEFAULT_LIMITS } from '../../core/reading';

const H1 = new Date('2026-11-27T14:00:00Z');
const H2 = new Date('2026-11-27T15:00:00Z');
let analytics: Analytics;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-landing-'));
  analytics = await openAnalytics({ memoryLimitMb: 256, threads: 1, tempDir: path.join(dir, 'duck') });
});
afterAll(() => {
  analytics.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function reading(id: string, temperature: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    timestamp: '2026-11-27 14:03:12',
    lat: 48.85,
    lon: 2.35,
    temperature,
    country: 'France',
    ...extra,
  };
}

let n = 0;
async function land(body: string | Buffer, over: Partial<LandBodyInput> = {}): Promise<LandedBody> {
  n += 1;
  // Folders named like the store's keys: DuckDB must not read `bucket=007` as a column.
  const work = path.join(dir, `w${n}`, 'source=partner-api', 'bucket=007');
  fs.mkdirSync(work, { recursive: true });
  const bodyPath = path.join(work, 'body.json');
  fs.writeFileSync(bodyPath, body);
  return analytics.withConnection((conn) =>
    landBody(conn, {
      bodyPath,
      source: 'partner-api',
      batchKey: `pull:${n}`,
      importHour: H1,
      fetchedAt: new Date(H1.getTime() + n * 1000),
      limits: DEFAULT_LIMITS,
      horizonHours: 168,
      knownFiles: [],
      bucketCounts: (hours) => Promise.resolve(new Map(hours.map(({ hour }) => [hour.getTime(), 4]))),
      workDir: work,
      progress: () => undefined,
      ...over,
    }),
  );
}

async function rows(files: readonly { path: string }[]) {
  if (files.length === 0) return [];
  return analytics.withConnection((conn) =>
    queryRows<{ reading_id: string; temperature: number; ordinal: number; belongs: string }>(
      conn,
      `SELECT reading_id, temperature, CAST(ordinal AS INTEGER) AS ordinal, strftime(belongs_to_hour, '%Y-%m-%dT%H') AS belongs
         FROM read_parquet(${sqlPaths(files.map((f) => f.path))}) ORDER BY ordinal`,
    ),
  );
}

/** The fast path and the record-by-record path landed the same rows, rejections and counts. */
async function expectPathsAgree(fast: LandedBody, slow: LandedBody): Promise<void> {
  const contents = async (landed: LandedBody) =>
    landed.files.length === 0
      ? []
      : analytics.withConnection((conn) =>
          queryRows(
            conn,
            `SELECT reading_id, CAST(ordinal AS INTEGER) AS ordinal, strftime(measured_at, '%Y-%m-%dT%H:%M:%S.%g') AS measured, lat, lon, temperature, country
               FROM read_parquet(${sqlPaths(landed.files.map((f) => f.path))}) ORDER BY ordinal`,
          ),
        );
  expect(await contents(fast)).toEqual(await contents(slow));
  expect(fast.rejections).toEqual(slow.rejections);
  const counts = ({ files: _f, rejections: _r, checkedOneByOne: _c, ...rest }: LandedBody) => rest;
  expect(counts(fast)).toEqual(counts(slow));
}

describe('landBody', () => {
  test('good records land, a duplicate within the batch is counted once, bad ones are quarantined with reasons', async () => {
    const records = [
      reading('a', 10),
      reading('b', 11),
      reading('a', 10),
      reading('c', 12, { lat: 'north' }),
      reading('d', 99),
    ];
    const landed = await land(JSON.stringify(records));
    expect(landed).toMatchObject({ fetched: 5, valid: 2, duplicates: 1, corrections: 0, correctedHours: [] });
    expect(
      landed.rejections.map((r) => [(r.record as { id: string }).id, r.reasons.map((x) => x.code)]),
    ).toEqual([
      ['c', ['lat_invalid']],
      ['d', ['temperature_implausible']],
    ]);
    expect((await rows(landed.files)).map((r) => [r.reading_id, r.temperature, r.ordinal])).toEqual([
      ['a', 10, 0],
      ['b', 11, 1],
    ]);
    expect(landed.files.every((f) => f.bucketCount === 4 && f.bucket >= 0 && f.bucket < 4)).toBe(true);
    expect(landed.files.reduce((s, f) => s + f.rows, 0)).toBe(2);
  });

  test('an id shared with a refused record is a new reading; ids the careful path reads have versions too', async () => {
    // An id with an escaped quote goes the record-by-record way (the fast path takes no escape).
    const quoted = 'q"1';
    const records = [
      reading('a', 10),
      reading('b', 11, { temperature: 'hot' }),
      reading('b', 12),
      reading(quoted, 13),
      reading(quoted, 13),
      reading(quoted, 14),
    ];
    const landed = await land(JSON.stringify(records));
    expect(landed).toMatchObject({ fetched: 6, valid: 4, duplicates: 1, corrections: 1 });
    expect(landed.rejections.map((r) => r.reasons.map((x) => x.code))).toEqual([['temperature_invalid']]);
    expect((await rows(landed.files)).map((r) => [r.reading_id, r.temperature, r.ordinal])).toEqual([
      ['a', 10, 0],
      ['b', 12, 2],
      [quoted, 13, 3],
      [quoted, 14, 5],
    ]);
  });

  test('a body DuckDB refuses (a NaN token, an element that is no object) goes record by record: only the bad records are lost', async () => {
    const body = `[${JSON.stringify(reading('a', 10))}, {"id":"n","timestamp":"2026-11-27 14:03:12","lat":NaN,"lon":2,"temperature":1}, 42, ${JSON.stringify(reading('b', 11))}]`;
    const landed = await land(body);
    expect(landed).toMatchObject({ fetched: 4, valid: 2 });
    // The NaN token is read (core/lenientJson.ts), so that record is refused for its latitude.
    expect(landed.rejections.map((r) => r.reasons[0]?.code)).toEqual(['lat_invalid', 'not_an_object']);
    expect(landed.rejections[0]?.text).toContain('"lat":NaN');
    expect((await rows(landed.files)).map((r) => r.reading_id)).toEqual(['a', 'b']);
  });

  test('a body cut short is refused as a whole (retryable), nothing written', async () => {
    await expect(land(`[${JSON.stringify(reading('a', 10))}, {"id":"b"`)).rejects.toMatchObject({
      kind: 'source',
      retryable: true,
    });
  });

  test('against earlier files: the same content is a duplicate, other content a correction counted in the first hour; A-B-A counts again', async () => {
    const first = await land(JSON.stringify([reading('a', 10), reading('b', 11)]));
    const known = first.files.map((f) => f.path);
    const asked: { hour: Date; readings: number }[][] = [];
    const second = await land(
      JSON.stringify([reading('a', 10), reading('b', 12), reading('b', 11), reading('new', 5)]),
      {
        importHour: H2,
        knownFiles: known,
        bucketCounts: (hours) => {
          asked.push(hours);
          return Promise.resolve(new Map(hours.map(({ hour }) => [hour.getTime(), 4])));
        },
      },
    );
    expect(second).toMatchObject({ fetched: 4, valid: 3, duplicates: 1, corrections: 2 });
    expect(second.correctedHours).toEqual([H1]);
    // A new hour's bucket count is chosen from the rows it gets (activities/fetch.ts): the two
    // versions of b belong to H1, the new reading to H2; the duplicate a lands nowhere.
    expect(asked).toEqual([
      [
        { hour: H1, readings: 2 },
        { hour: H2, readings: 1 },
      ],
    ]);
    const landed = await rows(second.files);
    expect(landed.map((r) => [r.reading_id, r.temperature, r.belongs])).toEqual([
      ['b', 12, '2026-11-27T14'],
      ['b', 11, '2026-11-27T14'],
      ['new', 5, '2026-11-27T15'],
    ]);
  });

  test('a reading measured before the correction horizon is quarantined with that reason', async () => {
    const landed = await land(
      JSON.stringify([reading('old', 10, { timestamp: '2026-11-20 10:00:00' }), reading('ok', 11)]),
      {
        horizonHours: 24,
      },
    );
    expect(landed.valid).toBe(1);
    expect(landed.rejections.map((r) => r.reasons.map((x) => x.code))).toEqual([
      ['beyond_correction_horizon'],
    ]);
  });
});

describe('files holding one version of each reading are marked, and read without choosing versions', () => {
  const marked = async (files: readonly { path: string }[]) =>
    analytics.withConnection((conn) =>
      queryRows<{ n: number }>(
        conn,
        `SELECT CAST(count(*) AS DOUBLE) AS n FROM parquet_kv_metadata(${sqlPaths(files.map((f) => f.path))})
          WHERE decode(key) = 'pipeline.one_version_per_reading' AND decode(value) = 'true'`,
      ),
    );
  const sorted = (columns: { temperatures: Float64Array }) => [...columns.temperatures].sort((a, b) => a - b);

  test('distinct ids: every file is marked, and reading it equals reading an unmarked copy', async () => {
    const records = Array.from({ length: 40 }, (_, i) => reading(`r${i}`, i / 4));
    const landed = await land(JSON.stringify(records));
    expect((await marked(landed.files))[0]?.n).toBe(landed.files.length);
    const file = landed.files[0]!.path;
    const copy = `${file}.unmarked.parquet`;
    await analytics.withConnection((conn) =>
      conn.run(
        `COPY (SELECT * FROM read_parquet(${sqlPaths([file])}, hive_partitioning = false)) TO ${sqlPaths([copy]).slice(1, -1)} (FORMAT parquet)`,
      ),
    );
    expect((await marked([{ path: copy }]))[0]?.n).toBe(0);
    const of = { hour: landed.files[0]!.belongsToHour, bucket: landed.files[0]!.bucket };
    const fromMarked = await analytics.withConnection((conn) => readCounted(conn, [file], 'latest', of));
    const fromCopy = await analytics.withConnection((conn) => readCounted(conn, [copy], 'latest', of));
    expect(fromMarked.lat.length).toBe(landed.files[0]!.rows);
    expect(sorted(fromMarked)).toEqual(sorted(fromCopy));
  });

  test('an id shared with a refused record, and a record only the careful path reads: still marked', async () => {
    const records = [
      reading('a', 10),
      reading('b', 11, { temperature: 'hot' }),
      reading('b', 12),
      reading('c', 13, { country: 'Fr"ance' }),
    ];
    const landed = await land(JSON.stringify(records));
    expect(landed).toMatchObject({ valid: 3, duplicates: 0, corrections: 0 });
    expect((await marked(landed.files))[0]?.n).toBe(landed.files.length);
  });

  test('an id corrected within the batch: no file is marked, and the strategy picks the version', async () => {
    const landed = await land(JSON.stringify([reading('a', 10), reading('b', 11), reading('a', 12)]));
    expect((await marked(landed.files))[0]?.n).toBe(0);
    // Both ids, wherever their buckets: each bucket read on its own, the readings gathered.
    const byBucket = async (strategy: 'latest' | 'first') => {
      const temperatures: number[] = [];
      for (const f of landed.files) {
        const of = { hour: f.belongsToHour, bucket: f.bucket };
        const read = await analytics.withConnection((conn) => readCounted(conn, [f.path], strategy, of));
        temperatures.push(...read.temperatures);
      }
      return temperatures.sort((a, b) => a - b);
    };
    expect(await byBucket('latest')).toEqual([11, 12]);
    expect(await byBucket('first')).toEqual([10, 11]);
  });
});

describe('a batch’s corrections of earlier hours land in one file per bucket, whatever their hours', () => {
  test('one file per bucket, listed once per hour with its rows; each (hour, bucket) reads only its own readings', async () => {
    const H0 = new Date(H1.getTime() - 3_600_000);
    const first = Array.from({ length: 24 }, (_, i) => ({ id: `a${i}`, t: i / 4 }));
    const second = Array.from({ length: 24 }, (_, i) => ({ id: `b${i}`, t: 10 + i / 4 }));
    const landedFirst = await land(JSON.stringify(first.map((r) => reading(r.id, r.t))), { importHour: H0 });
    const landedSecond = await land(JSON.stringify(second.map((r) => reading(r.id, r.t))), {
      knownFiles: landedFirst.files.map((f) => f.path),
    });
    // Where each id went (hour and bucket): read from the earlier batches' files.
    const placeOf = new Map<string, { hour: number; bucket: number }>();
    for (const f of [...landedFirst.files, ...landedSecond.files])
      for (const r of await rows([f]))
        placeOf.set(r.reading_id, { hour: f.belongsToHour.getTime(), bucket: f.bucket });
    const corrected = [...first, ...second].map((r) => ({ id: r.id, t: r.t + 30 }));
    const third = await land(JSON.stringify(corrected.map((r) => reading(r.id, r.t))), {
      importHour: H2,
      knownFiles: [...landedFirst.files, ...landedSecond.files].map((f) => f.path),
    });
    expect(third).toMatchObject({ valid: 48, corrections: 48, correctedHours: [H0, H1] });
    expect(third.files.every((f) => f.corrections === true)).toBe(true);
    // One file per bucket, holding both hours.
    const pathsByBucket = new Map<number, Set<string>>();
    for (const f of third.files)
      pathsByBucket.set(f.bucket, (pathsByBucket.get(f.bucket) ?? new Set()).add(f.path));
    expect([...pathsByBucket.values()].every((paths) => paths.size === 1)).toBe(true);
    expect(new Set(third.files.map((f) => f.path)).size).toBe(pathsByBucket.size);
    const expected = new Map<string, number>();
    for (const { hour, bucket } of placeOf.values())
      expected.set(`${hour}/${bucket}`, (expected.get(`${hour}/${bucket}`) ?? 0) + 1);
    expect(new Map(third.files.map((f) => [`${f.belongsToHour.getTime()}/${f.bucket}`, f.rows]))).toEqual(
      expected,
    );
    for (const f of third.files) {
      const earlier = [...landedFirst.files, ...landedSecond.files].filter(
        (g) => g.belongsToHour.getTime() === f.belongsToHour.getTime() && g.bucket === f.bucket,
      );
      const read = await analytics.withConnection((conn) =>
        readCounted(conn, [...earlier.map((g) => g.path), f.path], 'latest', {
          hour: f.belongsToHour,
          bucket: f.bucket,
        }),
      );
      const want = corrected
        .filter(
          ({ id }) =>
            placeOf.get(id)?.hour === f.belongsToHour.getTime() && placeOf.get(id)?.bucket === f.bucket,
        )
        .map(({ t }) => t);
      expect([...read.temperatures].sort((a, b) => a - b)).toEqual(want.sort((a, b) => a - b));
    }
  });

  test('a file of corrections read as a known file counts only the hours within the window', async () => {
    const old = new Date(H1.getTime() - 5 * 3_600_000);
    const landedOld = await land(JSON.stringify([reading('x', 10)]), { importHour: old });
    const landedRecent = await land(JSON.stringify([reading('y', 11)]), { importHour: H1 });
    const corrections = await land(JSON.stringify([reading('x', 20), reading('y', 21)]), {
      importHour: H2,
      knownFiles: [...landedOld.files, ...landedRecent.files].map((f) => f.path),
    });
    expect(new Set(corrections.files.map((f) => f.belongsToHour.getTime()))).toEqual(
      new Set([old.getTime(), H1.getTime()]),
    );
    // Two hours after H2 with a 3-hour horizon, the window starts 4 hours before: after `old`
    // (H1 − 5 h), not after H1. x is then a new reading, y still a correction of H1.
    const later = new Date(H2.getTime() + 2 * 3_600_000);
    const landed = await land(
      JSON.stringify([
        reading('x', 30, { timestamp: '2026-11-27 16:03:12' }),
        reading('y', 31, { timestamp: '2026-11-27 16:03:12' }),
      ]),
      {
        importHour: later,
        horizonHours: 3,
        // Only the batch's files of corrections, each once: both hours are in them.
        knownFiles: [...new Set(corrections.files.map((f) => f.path))],
      },
    );
    expect(landed).toMatchObject({ valid: 2, corrections: 1, correctedHours: [H1] });
  });
});

describe('the fast path agrees with validateRecord (core/readingSql.ts is conservative)', () => {
  const tricky = [
    reading('plain', 10),
    reading('iso', 10, { timestamp: '2026-11-27T14:03:12.123456789+02:00' }),
    reading('feb30', 10, { timestamp: '2026-02-30 10:00:00' }),
    reading('hour24', 10, { timestamp: '2026-11-27 24:00:00' }),
    // The partner's layout is read by DuckDB when it can; anything odd must still agree.
    reading('leap-second', 10, { timestamp: '2026-11-27 14:03:60' }),
    reading('month13', 10, { timestamp: '2026-13-01 00:00:00' }),
    reading('year0', 10, { timestamp: '0000-01-01 00:00:00' }),
    reading('signed-year', 10, { timestamp: '+026-11-27 14:03:12' }),
    reading('trailing-space', 10, { timestamp: '2026-11-27 14:03:12 ' }),
    reading('utc-z', 10, { timestamp: '2026-11-27 14:03:12Z' }),
    reading('int', 10, { lat: 48, lon: 2 }),
    reading('edge', 60, { lat: 90, lon: -180 }),
    reading('over', 60.0001),
    reading('lat-str', 10, { lat: '48.8' }),
    reading('temp-null', 10, { temperature: null }),
    reading('no-country', 10, { country: undefined }),
    reading('null-country', 10, { country: null }),
    reading('num-country', 10, { country: 33 }),
    reading('blank-country', 10, { country: '   ' }),
    reading('nul\u0000id', 10),
    reading('\u00a0', 10),
    reading('   ', 10),
    reading('x'.repeat(256), 10),
    reading('y'.repeat(257), 10),
    reading('é'.repeat(200), 10),
    reading('emoji-😀', 10),
    reading('extra', 10, { extra: { nested: [1, 2] } }),
    { ...reading('upper', 10), ID: 'shadow' },
    reading('big', 10, { lat: 'BIG' }),
    reading('neg-zero', -0),
    // Values of another JSON kind whose text DuckDB could cast: each must go the careful way.
    { ...reading('x', 10), id: 12345 },
    { ...reading('x', 10), id: { nested: 'id' } },
    { ...reading('x', 10), id: ['list-id'] },
    reading('lat-true', 10, { lat: true }),
    reading('temp-str', 10, { temperature: '12.5' }),
    reading('temp-exp', 10, { temperature: 1.25e1 }),
    reading('ts-number', 10, { timestamp: 20261127140312 }),
    reading('ts-array', 10, { timestamp: ['2026-11-27 14:03:12'] }),
    reading('country-obj', 10, { country: { name: 'France' } }),
    reading('country-bool', 10, { country: false }),
    // Escapes: the decoded text is what counts.
    reading('quote"inside', 10),
    reading('back\\slash', 10),
    reading('tab\tid', 10),
  ];
  // Escapes JSON.stringify would not write, as a partner might send them.
  const rest = `"lat":48.85,"lon":2.35,"temperature":10`;
  const escaped = [
    `{"id":"esc\\u00e9","timestamp":"2026-11-27 14:03:12",${rest},"country":"Fran\\u00e7e"}`,
    `{"id":"pair-\\ud83d\\ude00","timestamp":"2026-11-27 14:03:12",${rest}}`,
    `{"id":"ts-escaped","timestamp":"\\u0032026-11-27 14:03:12",${rest}}`,
    `{"id":"slash\\/","timestamp":"2026-11-27 14:03:12",${rest},"country":"France"}`,
  ];
  test('the same readings, values and rejections on both paths', async () => {
    const body = `${JSON.stringify(tricky).slice(0, -1)},${escaped.join(',')}]`.replace(
      '"lat":"BIG"',
      '"lat":1e400', // overflows a double
    );
    const fast = await land(body);
    const slow = await land(body, { recordByRecordOnly: true });
    await expectPathsAgree(fast, slow);
    expect(fast.checkedOneByOne).toBeLessThan(tricky.length); // the fast path did run
    expect(slow.checkedOneByOne).toBe(tricky.length + escaped.length);
    expect(fast.valid).toBeGreaterThan(5);
    expect(fast.rejections.length).toBeGreaterThan(5);
  });

  // Issue 24: the shared partner answers (test/fixtures/cases) that hold an array, as the HTTP
  // client writes them (decoded from their declared charset or gzip), through both paths.
  test.each([
    ['20-bom-with-one-bad-record.json', 'utf-8'],
    ['21-duplicate-key-in-record.json', 'utf-8'],
    ['21m-duplicate-key-minimal.json', 'utf-8'],
    ['22-latin1-body.json', 'latin1'],
    ['22-latin1-body.json', 'undeclared'],
    ['22m-latin1-first-record.json', 'latin1'],
    ['23-gzip-declared-plain-body.json', 'utf-8'],
    ['30b-gzip-with-decoded-length.json', 'gzip'],
  ] as const)('%s (%s): the fast and the record-by-record paths agree on every record', async (file, as) => {
    const bytes = fs.readFileSync(path.join(__dirname, '../fixtures/cases', file));
    const body =
      as === 'latin1'
        ? Buffer.from(bytes.toString('latin1'), 'utf8')
        : as === 'gzip'
          ? gunzipSync(bytes)
          : bytes;
    const input = {
      importHour: new Date('2026-12-01T09:00:00Z'),
      fetchedAt: new Date('2026-12-01T09:30:00Z'),
    };
    const fast = await land(body, input);
    const slow = await land(body, { ...input, recordByRecordOnly: true });
    await expectPathsAgree(fast, slow);
    // Independently: the records JSON.parse sees, less those quarantined, are the ones landed.
    expect(fast.valid + fast.duplicates + fast.rejected).toBe(fast.fetched);
  });

  test('an hour whose every record is beyond the horizon: counted by reason, 100 examples kept, both paths agree', async () => {
    const records = Array.from({ length: 250 }, (_, i) =>
      reading(`old-${i}`, 10, { timestamp: '2026-03-02 10:59:49' }),
    );
    const body = JSON.stringify([reading('good', 11), ...records]);
    const fast = await land(body);
    const slow = await land(body, { recordByRecordOnly: true });
    for (const landed of [fast, slow]) {
      expect(landed).toMatchObject({
        fetched: 251,
        valid: 1,
        rejected: 250,
        rejectedByReason: { beyond_correction_horizon: 250 },
      });
      expect(landed.rejections).toHaveLength(100);
      expect(landed.rejections.map((r) => (r.record as { id: string }).id)).toEqual(
        records.slice(0, 100).map((r) => r.id),
      );
    }
    expect(fast.rejections).toEqual(slow.rejections);
    expect(fast.rejections[0]?.reasons).toEqual([
      {
        code: 'beyond_correction_horizon',
        message:
          'measured at 2026-03-02T10:59:49.000Z, more than 168 hours before the import hour (CORRECTION_HORIZON_HOURS): earlier versions are not looked up that far back',
      },
    ]);
    // Only the examples went the careful way on the fast path.
    expect(fast.checkedOneByOne).toBe(100);
  });
});
