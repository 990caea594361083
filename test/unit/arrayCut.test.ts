/**
 * Cutting a JSON array into parts DuckDB reads in parallel (core/arrayCut.ts,
 * adapters/analytics/bodyParts.ts), and the landing's answer to a cut that falls inside a string:
 * the same rows as reading the body whole. Expected values come from JSON.parse.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findCutCandidate, partRanges } from '../../core/arrayCut';
import { cutBody } from '../../adapters/analytics/bodyParts';
import { openAnalytics, queryRows, sqlPaths, type Analytics } from '../../adapters/analytics/duckdb';
import { landBody, type LandedBody } from '../../adapters/analytics/landing';
import { DEFAULT_LIMITS } from '../../core/reading';

const bytes = (text: string) => new TextEncoder().encode(text);
let dir: string;
let analytics: Analytics;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-cut-'));
  analytics = await openAnalytics({ memoryLimitMb: 256, threads: 2, tempDir: path.join(dir, 'duck') });
});
afterAll(() => {
  analytics.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function record(i: number, extra: Record<string, unknown> = {}) {
  return {
    id: `r-${i}`,
    timestamp: '2026-11-27 14:03:12',
    lat: 45 + i / 1e4,
    lon: 2,
    temperature: i % 30,
    ...extra,
  };
}

describe('findCutCandidate', () => {
  test('a comma between two objects, with or without whitespace', () => {
    expect(findCutCandidate(bytes('"a":1},{"b":2}'))).toBe(6);
    expect(findCutCandidate(bytes('1 } ,\n\t{ "b"'))).toBe(4);
  });
  test('commas elsewhere are not candidates', () => {
    expect(findCutCandidate(bytes('{"a":1,"b":[1,2],"c":"x"}'))).toBeUndefined();
    expect(findCutCandidate(bytes('],{'))).toBeUndefined();
    expect(findCutCandidate(bytes('},"'))).toBeUndefined();
    expect(findCutCandidate(bytes('},'))).toBeUndefined();
  });
});

describe('partRanges and cutBody', () => {
  test('the parts, wrapped, hold the body’s elements in order', () => {
    const text = '[{"a":1}, {"a":2},{"a":3}]';
    const cuts = [text.indexOf(', {'), text.lastIndexOf(',{')];
    const parts = partRanges(text.length, cuts).map(
      (r) => `${r.open ? '[' : ''}${text.slice(r.start, r.end)}${r.close ? ']' : ''}`,
    );
    expect(parts.map((p) => JSON.parse(p) as unknown[]).flat()).toEqual(JSON.parse(text));
  });

  test('a body cut into three part files gives back every record, in order', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => record(i));
    const body = path.join(dir, 'three.json');
    fs.writeFileSync(body, JSON.stringify(records, null, 1));
    const files = await cutBody(body, 3, dir, 50_000);
    expect(files).toHaveLength(3);
    const read = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as unknown[]);
    expect(read.flat()).toEqual(records);
    expect(read.every((part) => part.length > 0)).toBe(true);
  });

  test('a small body stays whole', async () => {
    const body = path.join(dir, 'small.json');
    fs.writeFileSync(body, JSON.stringify([record(1)]));
    expect(await cutBody(body, 2, dir)).toEqual([body]);
  });
});

describe('the landing with the body cut in parts', () => {
  async function land(
    body: string,
    readParts: number,
    name: string,
  ): Promise<{ landed: LandedBody; rows: unknown[] }> {
    const workDir = path.join(dir, name);
    fs.mkdirSync(workDir, { recursive: true });
    const landed = await analytics.withConnection((conn) =>
      landBody(conn, {
        bodyPath: body,
        source: 'partner-api',
        batchKey: 'pull:cut',
        importHour: new Date('2026-11-27T14:00:00Z'),
        fetchedAt: new Date('2026-11-27T15:00:05Z'),
        limits: DEFAULT_LIMITS,
        horizonHours: 168,
        knownFiles: [],
        bucketCounts: (hours) => Promise.resolve(new Map(hours.map(({ hour }) => [hour.getTime(), 4]))),
        workDir,
        progress: () => undefined,
        readParts,
        minPartBytes: 20_000,
      }),
    );
    const rows = await analytics.withConnection((conn) =>
      queryRows(
        conn,
        `SELECT reading_id, CAST(ordinal AS INTEGER) AS ordinal, temperature, country FROM read_parquet(${sqlPaths(landed.files.map((f) => f.path))}) ORDER BY ordinal`,
      ),
    );
    return { landed, rows };
  }

  test('cut between records, or inside a string (then read whole): the same rows and counts as one part', async () => {
    const records = Array.from({ length: 1000 }, (_, i) => record(i));
    // A record whose country is a long text full of `},{`, placed where the marks fall: the cut
    // found after the mark lies inside that string, so the first part is not valid JSON.
    const trap = '},{'.repeat(40_000);
    const body = path.join(dir, 'trap.json');
    const text = JSON.stringify([
      ...records.slice(0, 450),
      record(450, { country: trap }),
      ...records.slice(451),
    ]);
    fs.writeFileSync(body, text);
    const mark = Math.floor(text.length / 2);
    expect(text.slice(mark, mark + 20)).toContain('},{'); // the mark falls inside the trap
    const whole = await land(body, 1, 'whole');
    const cut = await land(body, 2, 'cut');
    expect(cut.rows).toEqual(whole.rows);
    const counts = ({ files: _f, ...rest }: LandedBody) => rest;
    expect(counts(cut.landed)).toEqual(counts(whole.landed));
    expect(whole.landed.valid).toBe(999); // the trap's country is too long to store
    // A body with no trap is really read in parts, with the same rows.
    const plain = path.join(dir, 'plain.json');
    fs.writeFileSync(plain, JSON.stringify(records));
    expect(await cutBody(plain, 2, dir, 20_000)).toHaveLength(2);
    expect((await land(plain, 2, 'plain-cut')).rows).toEqual((await land(plain, 1, 'plain-whole')).rows);
  });
});
