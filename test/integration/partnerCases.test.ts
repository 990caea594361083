/**
 * Issue 24: every partner answer of test/fixtures/cases (vendored from the shared cases, with their
 * sources in its README) served verbatim over loopback HTTP, with its status and headers, to the
 * real `tempctl run`, through the real worker, Temporal dev server and PostgreSQL. Each asserts
 * its README row: what is stored, what is quarantined and why, or the one failure that names the
 * answer, how often the partner was called, and that the ledger ends.
 *
 * Every case imports the README's hour, 2026-12-01T09:00:00Z, with --refetch: each answer then
 * replaces the one before, so the hour's aggregates are exactly that answer's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runsForHour } from '../../adapters/db/runs';
import { formatHour } from '../../core/importHour';
import { startFixedPartner, type FixedPartner, type PartnerAnswer } from '../support/partner';
import { runTempctl, startPipeline, TEST_API_KEY, type Pipeline } from '../support/pipeline';

const CASES = path.join(__dirname, '../fixtures/cases');
const HOUR = new Date('2026-12-01T09:00:00Z');
const caseFile = (name: string) => fs.readFileSync(path.join(CASES, name));

describe('partner answers seen in the wild (test/fixtures/cases), through tempctl run', () => {
  let pipeline: Pipeline;
  let partner: FixedPartner;

  beforeAll(async () => {
    partner = await startFixedPartner(TEST_API_KEY);
    // The hour lies in the past: allowed to be fetched, as the cases' README says.
    const lag = Math.ceil((Date.now() - HOUR.getTime()) / 3_600_000) + 1;
    pipeline = await startPipeline({
      env: { SENSOR_API_URL: partner.url, FETCH_MAX_LAG_HOURS: String(lag), SENSOR_API_TIMEOUT_MS: '3000' },
    });
  });
  afterAll(async () => {
    await pipeline.stop();
    await partner.close();
  });

  const db = () => pipeline.database.db;
  const quarantine = async (since: Date) =>
    (await db()('quarantine')
      .where('import_hour', HOUR)
      .andWhere('received_at', '>=', since)
      .orderBy('quarantine_id')) as {
      raw_text: string | null;
      reasons: { code: string; message: string }[];
    }[];
  const stored = async () =>
    Object.fromEntries(
      (
        (await db()('region_hourly_temperature').where('hour', HOUR)) as {
          region: string;
          temperature: number;
          numberOfPoints: number;
        }[]
      ).map((row) => [row.region, [row.temperature, row.numberOfPoints]]),
    );
  const latestRun = async () => (await runsForHour(db(), HOUR)).at(-1);

  /** Serves `answer`, runs the hour with --refetch; returns the CLI's result and the partner's calls. */
  async function serve(answer: PartnerAnswer) {
    partner.answer(answer);
    const calls = partner.calls;
    const since = new Date();
    const result = await runTempctl(pipeline, ['run', '--hour', formatHour(HOUR), '--refetch'], {
      SENSOR_API_URL: partner.url,
    });
    return { ...result, calls: partner.calls - calls, since };
  }

  /** A deterministic failure: named once, the partner called once, the ledger failed, the answer kept. */
  async function expectNamedOnce(result: Awaited<ReturnType<typeof serve>>, named: string) {
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(named);
    expect(result.stderr).not.toMatch(/truncated|connection broke/);
    expect(result.calls).toBe(1);
    const ledger = await latestRun();
    expect(ledger?.status).toBe('failed');
    expect(ledger?.error).toContain(named);
  }

  test('20: a UTF-8 byte-order mark is ignored; 3 readings stored, the string temperature quarantined', async () => {
    const result = await serve({ body: caseFile('20-bom-with-one-bad-record.json') });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Fetched 4  valid 3  rejected 1');
    expect(await stored()).toEqual({ 'Île-de-France': [11, 2], 'Auvergne-Rhône-Alpes': [8, 1] });
    const rows = await quarantine(result.since);
    expect(rows.map((r) => r.reasons.map((x) => x.code))).toEqual([['temperature_invalid']]);
    expect(rows[0]?.raw_text).toContain('"temperature": "9,5"');
  });

  test('20m: the shared file is a hex dump of 20, not JSON: one failure says so, not retried', async () => {
    // The "minimal" file holds `xxd` output of case 20 (its bytes, written as hex text).
    const result = await serve({ body: caseFile('20m-bom-minimal.json') });
    await expectNamedOnce(result, 'is not JSON (');
    expect(result.stderr).toContain('it starts "00000000: efbb bf5b');
  });

  test.each([
    ['21-duplicate-key-in-record.json', { 'Île-de-France': [10, 1], 'Auvergne-Rhône-Alpes': [8, 1] }],
  ])('%s: the record naming "temperature" twice is quarantined, never counted', async (file, expected) => {
    const result = await serve({ body: caseFile(file) });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Fetched 3  valid 2  rejected 1');
    expect(await stored()).toEqual(expected);
    const rows = await quarantine(result.since);
    expect(rows.map((r) => r.reasons)).toEqual([
      [
        {
          code: 'duplicate_key',
          message: 'the record names "temperature" more than once: its value is ambiguous',
        },
      ],
    ]);
  });

  test('21m: its only record names "temperature" twice: quarantined, so the hour has no valid reading', async () => {
    const result = await serve({ body: caseFile('21m-duplicate-key-minimal.json') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'no valid reading: 1 fetched, 1 rejected: duplicate_key 1 (e.g. the record names "temperature" more than once: its value is ambiguous)',
    );
    const rows = await quarantine(result.since);
    expect(rows.map((r) => r.reasons.map((x) => x.code))).toEqual([['duplicate_key']]);
  });

  test.each(['22-latin1-body.json', '22m-latin1-first-record.json'])(
    '%s: decoded with its declared ISO-8859-1: ids differing by one accent stay two readings',
    async (file) => {
      const body = caseFile(file);
      const result = await serve({ body, contentType: 'application/json; charset=ISO-8859-1' });
      expect(result.code).toBe(0);
      // Expected values computed from the file itself, decoded as Latin-1.
      const records = JSON.parse(body.toString('latin1')) as {
        id: string;
        lat: number;
        temperature: number;
      }[];
      const ids = new Set(records.map((r) => r.id));
      expect(ids.size).toBe(records.length);
      expect(result.stdout).toContain(`Fetched ${records.length}  valid ${records.length}  rejected 0`);
      const lyon = records.filter((r) => r.lat === 45.764);
      const expectedLyon = lyon.reduce((sum, r) => sum + r.temperature, 0) / lyon.length;
      const rows = await stored();
      expect(rows['Auvergne-Rhône-Alpes']).toEqual([expectedLyon, lyon.length]);
    },
  );

  test('22 undeclared: Latin-1 bytes with no charset are quarantined as not UTF-8, never merged through U+FFFD', async () => {
    const body = caseFile('22-latin1-body.json');
    const result = await serve({ body });
    const records = JSON.parse(body.toString('latin1')) as { id: string }[];
    const accented = records.filter((r) => /[^\x20-\x7e]/.test(r.id));
    const rows = await quarantine(result.since);
    expect(rows.map((r) => r.reasons.map((x) => x.code))).toEqual(accented.map(() => ['not_utf8']));
    expect(result.stdout).toContain(
      `Fetched ${records.length}  valid ${records.length - accented.length}  rejected ${accented.length}`,
    );
  });

  test('23: a plain body declared gzip is read as the plain text it is, with a warning', async () => {
    const result = await serve({
      body: caseFile('23-gzip-declared-plain-body.json'),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(result.code).toBe(0);
    expect(result.calls).toBe(1);
    expect(await stored()).toEqual({ 'Île-de-France': [11, 2], 'Auvergne-Rhône-Alpes': [8, 1] });
    expect((await latestRun())?.status).toBe('succeeded');
  });

  test('24: NDJSON is named as such, once, and not retried', async () => {
    const result = await serve({ body: caseFile('24-ndjson-instead-of-array.json') });
    await expectNamedOnce(
      result,
      'is newline-delimited JSON (NDJSON: 3 objects, one per line), not a JSON array',
    );
    // The answer is kept in the landing store, and tempctl prints it.
    expect(result.stderr).toContain('the answer is kept in the landing store as');
    const shown = await runTempctl(pipeline, ['answer', '--hour', formatHour(HOUR)], {
      LANDING_STORE_URL: pipeline.config.landingStoreUrl,
    });
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe(caseFile('24-ndjson-instead-of-array.json').toString('utf8'));
  });

  test('26: text after the closed array is named with where the array ended and what follows', async () => {
    const body = caseFile('26-trailing-php-notice.json');
    const end = body.lastIndexOf(']', body.indexOf('<br')) + 1;
    const result = await serve({ body });
    await expectNamedOnce(
      result,
      `has text after the JSON array (${body.length} bytes): the array of 3 element(s) closes at byte ${end}, and what follows at byte`,
    );
    expect(result.stderr).toContain('<br /> <b>Deprecated</b>');
  });

  test('27: HTTP 204 is named, once', async () => {
    const result = await serve({ status: 204, body: caseFile('27-no-content-204.json') });
    await expectNamedOnce(result, 'answered HTTP 204 No Content');
  });

  test('30b: a complete gzip stream whose Content-Length is its decoded size lands whole', async () => {
    const body = caseFile('30b-gzip-with-decoded-length.json');
    const length = fs.readFileSync(path.join(CASES, '30b-gzip-with-decoded-length.length'), 'utf8').trim();
    const result = await serve({
      body,
      headers: { 'content-encoding': 'gzip', 'content-length': length },
      closeConnection: true,
    });
    expect(result.code).toBe(0);
    expect(result.calls).toBe(1);
    const { gunzipSync } = await import('node:zlib');
    const records = JSON.parse(gunzipSync(body).toString('utf8')) as unknown[];
    expect(gunzipSync(body).length).toBe(Number(length));
    expect(result.stdout).toContain(`Fetched ${records.length}  valid ${records.length}  rejected 0`);
  });
});
