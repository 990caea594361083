/**
 * Property (issue 11): no batch ever fails because of one record. Generated records (random UTF-16
 * in keys and values, lone surrogates and NUL included; extreme, negative-zero and non-finite
 * numbers written as the field writes them; odd types; deep nesting; tokens that are not JSON) are
 * written into a partner answer next to one known good record, read by the same pure functions the
 * fetch uses, and landed in real PostgreSQL. Landing never throws, every record is accounted for,
 * the good one lands, and each quarantined record keeps its text exactly as sent.
 */
import fc from 'fast-check';
import { landBatch } from '../../adapters/db/landing';
import { splitJsonArray } from '../../core/jsonArraySplitter';
import { readRecordText } from '../../core/lenientJson';
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
  beforeAll(async () => {
    database = await createMigratedDatabase(createPostgresDatabase);
  });
  afterAll(() => database.drop());

  test('generated records land or are quarantined with their text; the good one always lands', async () => {
    let batch = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(recordText, { minLength: 1, maxLength: 12 }), async (texts) => {
        batch += 1;
        const goodId = `good-${batch}`;
        const good = `{"id":"${goodId}","timestamp":"2026-11-29 10:00:00","lat":48.8566,"lon":2.3522,"temperature":10}`;
        const sent = [good, ...texts];
        const received = splitJsonArray(new TextEncoder().encode(`[${sent.join(',')}]`)).map(readRecordText);
        expect(received.map((r) => r.text)).toEqual(sent);

        const readable = received.filter((r) => r.unreadable === undefined);
        const summary = await landBatch(database.db, {
          importHour: new Date('2026-11-29T10:00:00Z'),
          source: 'partner-api',
          batchKey: `property-${batch}`,
          runId: `run-${batch}`,
          fetchedAt: new Date('2026-11-29T10:30:00Z'),
          records: readable.map((r) => r.value),
          texts: readable.map((r) => r.text),
          unreadable: received.filter((r) => r.unreadable !== undefined),
          limits: DEFAULT_LIMITS,
        });

        expect(summary.fetched).toBe(sent.length);
        expect(summary.valid + summary.rejected + summary.duplicates).toBe(sent.length);
        const landed = (await database.db('readings').where({ batch_id: summary.batchId })) as {
          reading_id: string;
        }[];
        expect(landed.map((r) => r.reading_id)).toContain(goodId);
        const quarantined = (await database.db('quarantine').where({ batch_id: summary.batchId })) as {
          raw_text: string;
        }[];
        expect(quarantined).toHaveLength(summary.rejected);
        // JSON.stringify escapes NUL and lone surrogates, so every text sent here is storable as is.
        for (const row of quarantined) expect(sent).toContain(row.raw_text);
      }),
      { numRuns: 150 },
    );
  });
});
