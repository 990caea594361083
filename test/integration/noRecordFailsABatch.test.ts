/**
 * Property (issue 11): no batch ever fails because of one record. Generated records (random UTF-16
 * in keys and values, lone surrogates and NUL included; extreme, negative-zero and non-finite
 * numbers written as the field writes them; odd types; deep nesting; tokens that are not JSON) are
 * written into a partner answer next to one known good record, landed by the fetch's own path
 * (DuckDB's fast path, the record-by-record path for what it refuses) and committed into real
 * PostgreSQL. Landing never throws, every record is accounted for, the good one lands, and each
 * quarantined record keeps its text exactly as sent.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { openAnalytics, queryRows, sqlPaths, type Analytics } from '../../adapters/analytics/duckdb';
import { landBody } from '../../adapters/analytics/landing';
import { commitBatch } from '../../adapters/db/landing';
import { DEFAULT_LIMITS } from '../../core/reading';
import { createMigratedDatabase, createPostgresDatabase, type TestDatabase } from '../support/databases';

/** JSON text as the field writes it: NaN/Infinity tokens, -0 as -0.0; strings via JSON.stringify. */
function write(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'Infinity';
    if (value === -Infinity) return '-Infinity';
    return Object.is(value, -0) ? '-0.0' : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(write).join(',')}]`;
  if (value instanceof Raw) return value.text;
  if (typeof value === 'object' && value !== null)
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${write(item)}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}

/** Text put into a record as is: a token that is not JSON, or very deep nesting. */
class Raw {
  constructor(readonly text: string) {}
}

// Any UTF-16 code unit: NUL, control characters and lone surrogates included.
const anyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 12,
});
const number = fc.oneof(
  fc.double(), // includes NaN, ±Infinity, -0, extremes
  fc.constantFrom(1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2),
  fc.integer(),
);
const leaf = fc.oneof(anyText, number, fc.boolean(), fc.constant(null));
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(anyText, tie('value'), { maxKeys: 3 }),
  ),
}));
const odd = fc.oneof(
  value,
  fc.stringMatching(/^[A-Za-z+\-.0-9]{1,8}$/).map((token) => new Raw(token)),
  fc.integer({ min: 30, max: 400 }).map((depth) => new Raw(`${'['.repeat(depth)}1${']'.repeat(depth)}`)),
);
const timestamp = fc.oneof(
  fc
    .date({
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '0000-01-01 00:00:00',
    '2026-11-29 10:00:00',
    '2026-02-30 10:00:00',
    '2026-11-29t10:00:00z',
  ),
  anyText,
);
const record = fc
  .record(
    {
      id: fc.oneof(fc.uuid(), anyText, odd),
      timestamp: fc.oneof(timestamp, odd),
      lat: fc.oneof(number, odd),
      lon: fc.oneof(number, odd),
      temperature: fc.oneof(number, odd),
      country: fc.oneof(anyText, odd),
      extras: fc.dictionary(anyText, odd, { maxKeys: 3 }),
    },
    { requiredKeys: [] },
  )
  .map(({ extras, ...fields }) => write({ ...fields, ...extras }));
const recordText = fc.oneof({ weight: 6, arbitrary: record }, { weight: 1, arbitrary: odd.map(write) });

describe('no batch ever fails because of one record', () => {
  let database: TestDatabase;
  let analytics: Analytics;
  let dir: string;
  beforeAll(async () => {
    database = await createMigratedDatabase(createPostgresDatabase);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-property-'));
    analytics = await openAnalytics({ memoryLimitMb: 256, threads: 1, tempDir: path.join(dir, 'duck') });
  });
  afterAll(async () => {
    analytics.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await database.drop();
  });

  test('generated records land or are quarantined with their text; the good one always lands', async () => {
    const importHour = new Date('2026-11-29T10:00:00Z');
    let batch = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(recordText, { minLength: 1, maxLength: 12 }), async (texts) => {
        batch += 1;
        const goodId = `good-${batch}`;
        const good = `{"id":"${goodId}","timestamp":"2026-11-29 10:00:00","lat":48.8566,"lon":2.3522,"temperature":10}`;
        const sent = [good, ...texts];
        const work = path.join(dir, `b${batch}`);
        fs.mkdirSync(work, { recursive: true });
        const bodyPath = path.join(work, 'body.json');
        fs.writeFileSync(bodyPath, `[${sent.join(',')}]`);
        const landed = await analytics.withConnection((conn) =>
          landBody(conn, {
            bodyPath,
            source: 'partner-api',
            batchKey: `property-${batch}`,
            importHour,
            fetchedAt: new Date('2026-11-29T10:30:00Z'),
            limits: DEFAULT_LIMITS,
            horizonHours: 168,
            knownFiles: [],
            bucketCounts: (hours) => Promise.resolve(new Map(hours.map(({ hour }) => [hour.getTime(), 2]))),
            workDir: work,
            progress: () => undefined,
          }),
        );
        expect(landed.fetched).toBe(sent.length);
        expect(landed.valid + landed.rejected + landed.duplicates).toBe(sent.length);
        const ids = landed.files.length
          ? await analytics.withConnection((conn) =>
              queryRows<{ reading_id: string }>(
                conn,
                `SELECT reading_id FROM read_parquet(${sqlPaths(landed.files.map((f) => f.path))}, hive_partitioning = false)`,
              ),
            )
          : [];
        expect(ids.map((r) => r.reading_id)).toContain(goodId);

        // The quarantine's insert never fails on content: the class of bug that lost whole hours.
        const summary = await commitBatch(database.db, {
          importHour,
          source: 'partner-api',
          batchKey: `property-${batch}`,
          runId: `run-${batch}`,
          fetchedAt: new Date('2026-11-29T10:30:00Z'),
          rawKey: `raw/property-${batch}.json`,
          counts: {
            fetched: landed.fetched,
            valid: landed.valid,
            rejected: landed.rejected,
            rejectedByReason: landed.rejectedByReason,
            duplicates: landed.duplicates,
            corrections: landed.corrections,
          },
          correctedHours: landed.correctedHours,
          files: [],
          rejections: landed.rejections,
        });
        const quarantined = (await database.db('quarantine').where({ batch_id: summary.batchId })) as {
          raw_text: string;
        }[];
        expect(quarantined).toHaveLength(landed.rejections.length);
        // JSON.stringify escapes NUL and lone surrogates, so every text sent here is storable as is.
        for (const row of quarantined) expect(sent).toContain(row.raw_text);
      }),
      { numRuns: 100 },
    );
  });
});
