/**
 * Issue 11, inputs 1-6 and fault 13: each bad answer is served by a loopback partner API to the
 * real `tempctl run`, through the real worker, Temporal dev server and PostgreSQL. Each asserts what
 * the operator sees (exit code, output) and what is stored (readings, quarantine, ledger).
 */
import fs from 'node:fs';
import { runsForHour } from '../../adapters/db/runs';
import { formatHour } from '../../core/importHour';
import { freshHours } from '../support/hours';
import { FRENCH_TOWNS } from '../../sim/places';
import { startFixedPartner, type FixedPartner } from '../support/partner';
import { landedReadings } from '../support/landed';
import { runTempctl, startPipeline, TEST_API_KEY, type Pipeline } from '../support/pipeline';

/**
 * The day the readings were measured: two days ago (UTC), within the default 168-hour correction
 * horizon of the fresh import hours, whatever today's date.
 */
const DAY = new Date(Date.now() - 2 * 24 * 3600_000).toISOString().slice(0, 10);

describe('bad input from the partner, through tempctl run', () => {
  let pipeline: Pipeline;
  let partner: FixedPartner;
  const freshHour = freshHours(1);

  beforeAll(async () => {
    partner = await startFixedPartner(TEST_API_KEY);
    pipeline = await startPipeline({
      env: { SENSOR_API_URL: partner.url, FETCH_MAX_LAG_HOURS: '48' },
    });
  });
  afterAll(async () => {
    await pipeline.stop();
    await partner.close();
  });

  const run = (hour: Date) => runTempctl(pipeline, ['run', '--hour', formatHour(hour)]);
  const db = () => pipeline.database.db;
  const quarantine = async (hour: Date) =>
    (await db()('quarantine').where('import_hour', hour).orderBy('quarantine_id')) as {
      raw_text: string | null;
      reasons: { code: string; message: string }[];
    }[];
  // Readings live in the landing store's Parquet files (test/support/landed.ts), by reading id.
  const readings = async (hour: Date) =>
    (await landedReadings(db(), pipeline.runtime.deps, { importHour: hour })).sort((a, b) =>
      a.reading_id < b.reading_id ? -1 : 1,
    );

  test('1. a NaN token (Python json.dumps): the good reading lands, the NaN one is quarantined as sent', async () => {
    const hour = freshHour();
    const nanRecord = `{"id":"m2","timestamp":"${DAY} 14:02:10","lat":48.8566,"lon":2.3522,"temperature":NaN}`;
    partner.answer({
      body: `[{"id":"m1","timestamp":"${DAY} 14:02:10","lat":48.8566,"lon":2.3522,"temperature":10},${nanRecord}]`,
    });
    const calls = partner.calls;
    const result = await run(hour);

    expect(result.code).toBe(0);
    expect(partner.calls - calls).toBe(1); // not retried: nothing was wrong with the answer as a whole
    expect(result.stdout).toContain('Fetched 2  valid 1  rejected 1');
    expect(result.stdout).toContain('Rejected by reason: temperature_invalid 1');
    expect(result.stdout).toMatch(/Île-de-France\s+10\.00\s+1/);
    expect((await readings(hour)).map((r) => r.reading_id)).toEqual(['m1']);
    const [rejected] = await quarantine(hour);
    expect(rejected?.raw_text).toBe(nanRecord);
    expect(rejected?.reasons).toEqual([
      { code: 'temperature_invalid', message: 'temperature is NaN, not a finite number' },
    ]);
  });

  test('2. an extra key that is a lone surrogate: the reading lands with the key repaired', async () => {
    const hour = freshHour();
    partner.answer({
      body: `[{"id":"s1","timestamp":"${DAY} 10:00:00","lat":48.8566,"lon":2.3522,"temperature":11,"\\ud83c":1}]`,
    });
    const result = await run(hour);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Fetched 1  valid 1  rejected 0');
    // Extra keys are not landed (only the contract's columns are): the reading lands whole.
    const [reading] = await readings(hour);
    expect(reading).toMatchObject({ reading_id: 's1', temperature: 11 });
  });

  test('3. year 0000 and a timestamp before the window: quarantined each with its reason, the batch lands', async () => {
    const hour = freshHour();
    const year0 = '{"id":"z1","timestamp":"0000-01-01 00:00:00","lat":48.8566,"lon":2.3522,"temperature":9}';
    const old = '{"id":"z2","timestamp":"1999-12-31 23:59:59","lat":48.8566,"lon":2.3522,"temperature":9}';
    partner.answer({
      body: `[${year0},${old},{"id":"z3","timestamp":"${DAY} 10:00:00","lat":48.8566,"lon":2.3522,"temperature":9}]`,
    });
    const result = await run(hour);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Fetched 3  valid 1  rejected 2');
    expect((await readings(hour)).map((r) => r.reading_id)).toEqual(['z3']);
    const rows = await quarantine(hour);
    expect(rows.map((r) => [r.raw_text, r.reasons.map((x) => x.code)])).toEqual([
      [year0, ['timestamp_invalid']],
      [old, ['timestamp_out_of_window']],
    ]);
    expect(rows[1]?.reasons[0]?.message).toContain('(TIMESTAMP_MIN, TIMESTAMP_MAX)');
  });

  test('4. a UTF-16 body is named as such, fails at once, and the ledger ends failed', async () => {
    const hour = freshHour();
    partner.answer({ body: Uint8Array.from([0x5b, 0x00, 0x5d, 0x00]) });
    const calls = partner.calls;
    const result = await run(hour);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'partner-api: the body is UTF-16 text (little-endian), not UTF-8 (4 bytes), not a JSON array; the answer is kept in the landing store as',
    );
    expect(result.stderr).not.toContain('truncated');
    expect(partner.calls - calls).toBe(1);
    const [ledger] = await runsForHour(db(), hour);
    expect(ledger?.status).toBe('failed');
    expect(ledger?.error).toContain('UTF-16 text (little-endian)');
  });

  test('4b. an error page quoting NUL and broken UTF-8 still ends the ledger row, sanitised', async () => {
    const hour = freshHour();
    partner.answer({
      status: 400,
      contentType: 'text/plain',
      body: Uint8Array.from([...Buffer.from('bad '), 0x00, 0xed, 0xa0, 0xbc, ...Buffer.from(' request')]),
    });
    const result = await run(hour);

    expect(result.code).toBe(1);
    const [ledger] = await runsForHour(db(), hour);
    expect(ledger?.status).toBe('failed');
    // NUL written out as text, the broken bytes as U+FFFD: what PostgreSQL can hold.
    expect(ledger?.error).toContain('(HTTP 400): bad \\u0000\uFFFD\uFFFD\uFFFD request');
    expect(result.stderr).toContain('bad \\u0000');
  });

  test('5. latitude and longitude swapped: the run says so in plain words', async () => {
    const hour = freshHour();
    const towns = FRENCH_TOWNS.slice(0, 10);
    const body = towns.map(
      (town, i) =>
        `{"id":"w${i}","timestamp":"${DAY} 10:00:00","lat":${town.lon},"lon":${town.lat},"temperature":8,"country":"France"}`,
    );
    partner.answer({ body: `[${body.join(',')}]` });
    const result = await run(hour);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `WARNING swapped_coordinates: latitude and longitude look swapped: ${towns.length} of the ${towns.length} readings outside every region would fall inside one if their latitude and longitude were exchanged`,
    );
    expect(result.stdout).toContain(
      `WARNING outside_share: 100.0 % of the readings counted are outside every region (${towns.length} of ${towns.length})`,
    );
  });

  test('6. RFC 3339 variants land; the quarantine keeps 1e400 and -0.0 as sent', async () => {
    const hour = freshHour();
    const variants: [string, string][] = [
      [`${DAY}t10:00:00z`, `${DAY}T10:00:00.000Z`],
      [`${DAY}T11:00:00 +01:00`, `${DAY}T10:00:00.000Z`],
      [`${DAY} 10:00:00Z`, `${DAY}T10:00:00.000Z`],
      [`${DAY}T12:30:00.5+0230`, `${DAY}T10:00:00.500Z`],
    ];
    const good = variants.map(
      ([timestamp], i) =>
        `{"id":"r${i}","timestamp":"${timestamp}","lat":48.8566,"lon":2.3522,"temperature":7}`,
    );
    const huge = `{"id":"q1","timestamp":"${DAY} 10:00:00","lat":48.8566,"lon":2.3522,"temperature":1e400}`;
    const negativeZero = `{"id":"q2","timestamp":"${DAY} 10:00:00","lat":999,"lon":2.3522,"temperature":-0.0}`;
    partner.answer({ body: `[${[...good, huge, negativeZero].join(', ')}]` });
    const result = await run(hour);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Fetched 6  valid 4  rejected 2');
    expect((await readings(hour)).map((r) => r.measured_at.toISOString())).toEqual(
      variants.map(([, iso]) => iso),
    );
    expect((await quarantine(hour)).map((r) => r.raw_text)).toEqual([huge, negativeZero]);
  });

  // Last: it turns the backup folder into a file for good.
  test('13. a backup failing after the rows are stored shows in the output and the exit code', async () => {
    const hour = freshHour();
    partner.answer({
      body: `[{"id":"b1","timestamp":"${DAY} 10:00:00","lat":48.8566,"lon":2.3522,"temperature":12}]`,
    });
    fs.rmSync(pipeline.backupDir, { recursive: true, force: true });
    fs.writeFileSync(pipeline.backupDir, 'not a folder');
    const result = await run(hour);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`Import ${formatHour(hour)}  SUCCEEDED`);
    expect(result.stdout).toMatch(/Île-de-France\s+12\.00\s+1/);
    expect(result.stderr).toContain('tempctl: failed: the aggregates are stored, but the backup failed:');
    const stored = (await db()('region_hourly_temperature').where('hour', hour)) as { temperature: number }[];
    expect(stored.map((row) => row.temperature)).toEqual([12]);
  });
});
