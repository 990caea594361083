/**
 * Cutting a JSON array into parts DuckDB reads in parallel (core/arrayCut.ts,
 * adapters/analytics/bodyParts.ts), and the landing's answer to a cut that falls inside a string:
 * the same rows as reading the body whole. Expected values come from JSON.parse.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { cutMarks, findCutCandidate, partRanges, StreamingCut, type CutPiece } from '../../core/arrayCut';
import { cutBody, PartFiles, PartWriteFailed, partWriter } from '../../adapters/analytics/bodyParts';
import { openAnalytics, queryRows, sqlPaths, type Analytics } from '../../adapters/analytics/duckdb';
import { landBody, type LandedBody } from '../../adapters/analytics/landing';
import { DEFAULT_LIMITS } from '../../core/reading';

const bytes = (text: string) => new TextEncoder().encode(text);
/** `count` part files for the test `name`, in a folder of their own (not created here). */
const targets = (name: string, count: number) =>
  Array.from({ length: count }, (_, i) => path.join(dir, `${name}-parts`, `part-${i}.json`));
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
    const files = await cutBody(body, targets('three', 3), 50_000);
    expect(files).toHaveLength(3);
    const read = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as unknown[]);
    expect(read.flat()).toEqual(records);
    expect(read.every((part) => part.length > 0)).toBe(true);
  });

  test('a small body stays whole', async () => {
    const body = path.join(dir, 'small.json');
    fs.writeFileSync(body, JSON.stringify([record(1)]));
    expect(await cutBody(body, targets('small', 2))).toEqual([body]);
  });
});

/** `bytes` in chunks of pseudo-random sizes from 1 to `most` (a fixed seed: the same cuts every run). */
function chunked(bytes: Uint8Array, most: number, seed: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let state = seed;
  for (let at = 0; at < bytes.length;) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const size = 1 + (state % most);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('StreamingCut', () => {
  const body = bytes(
    JSON.stringify(
      Array.from({ length: 400 }, (_, i) => record(i)),
      null,
      1,
    ),
  );

  /** The cut offsets a stream of `chunks` gives, and the bytes it handed on. */
  function run(chunks: Uint8Array[], marks: number[], window: number) {
    const cut = new StreamingCut(marks, window);
    const pieces: CutPiece[] = [...chunks.flatMap((chunk) => cut.push(chunk)), ...cut.end()];
    const offsets: number[] = [];
    let at = 0;
    for (const piece of pieces) {
      if (piece === 'cut') {
        offsets.push(at);
        at += 1; // the comma, dropped
      } else at += piece.length;
    }
    return { offsets, pieces, at, gaveUp: cut.gaveUp };
  }

  test('in any chunking, the cuts are the first candidates at or after each mark, as searched in the whole body', () => {
    const marks = cutMarks(body.length, 4);
    // Expected independently: the first `},{` (whitespace aside) at or after each mark, by regex.
    const expected = marks.map((mark) => {
      const match = /\}\s*,\s*\{/g;
      match.lastIndex = mark;
      const found = match.exec(new TextDecoder().decode(body));
      return (found?.index ?? Number.NaN) + (found?.[0].indexOf(',') ?? 0);
    });
    for (const [most, seed] of [
      [1, 1],
      [7, 2],
      [100, 3],
      [5000, 4],
      [body.length, 5],
    ] as const) {
      const { offsets, at, gaveUp } = run(chunked(body, most, seed), marks, 1 << 20);
      expect({ most, offsets }).toEqual({ most, offsets: expected });
      expect(at).toBe(body.length);
      expect(gaveUp).toBe(false);
    }
  });

  test('the pieces are the body, less the commas cut at', () => {
    const { pieces } = run(chunked(body, 333, 9), cutMarks(body.length, 3), 1 << 20);
    const parts = Buffer.concat(pieces.map((p) => (p === 'cut' ? Buffer.from(',') : Buffer.from(p))));
    expect(parts.equals(Buffer.from(body))).toBe(true);
  });

  test('no candidate within the window after a mark: it gives up and hands the rest on uncut', () => {
    const trap = bytes(JSON.stringify([record(0), record(1, { country: 'x'.repeat(5000) }), record(2)]));
    const mark = new TextDecoder().decode(trap).indexOf('xxx');
    const { offsets, at, gaveUp } = run(chunked(trap, 64, 3), [mark], 1000);
    expect({ offsets, at, gaveUp }).toEqual({ offsets: [], at: trap.length, gaveUp: true });
  });
});

describe('partWriter', () => {
  /** Streams `text` through a part writer in small chunks; returns its parts and what came out. */
  async function stream(text: string, declared: number | undefined, name: string, minPartBytes = 20_000) {
    const writer = partWriter(targets(name, 3), declared, minPartBytes);
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(chunked(bytes(text), 4096, 7).map((c) => Buffer.from(c))),
      writer.stream,
      new Writable({
        write(chunk: Buffer, _e, done) {
          out.push(chunk);
          done();
        },
      }),
    );
    return { files: writer.files(), through: Buffer.concat(out).toString('utf8') };
  }

  test('the parts written on the way are the parts cutBody makes of the stored body, and the body passes unchanged', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => record(i));
    const text = JSON.stringify(records, null, 1);
    const { files, through } = await stream(text, Buffer.byteLength(text), 'streamed.json');
    expect(through).toBe(text);
    expect(files).toHaveLength(3);
    expect(files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as unknown[]).flat()).toEqual(records);
    const stored = path.join(dir, 'stored.json');
    fs.writeFileSync(stored, text);
    const byCutBody = await cutBody(stored, targets('cut-stored', 3), 20_000);
    expect(files.map((f) => fs.readFileSync(f, 'utf8'))).toEqual(
      byCutBody.map((f) => fs.readFileSync(f, 'utf8')),
    );
  });

  test('no declared size, or too small to cut: no part is written', async () => {
    const text = JSON.stringify(Array.from({ length: 2000 }, (_, i) => record(i)));
    expect((await stream(text, undefined, 'unsized.json')).files).toEqual([]);
    expect((await stream(text, Buffer.byteLength(text), 'small.json', 10 ** 9)).files).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'unsized.json-parts'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'small.json-parts'))).toBe(false);
  });

  test('reused files hold exactly the new parts: a smaller body over a larger one', async () => {
    const large = JSON.stringify(Array.from({ length: 3000 }, (_, i) => record(i, { country: 'France' })));
    const small = Array.from({ length: 1500 }, (_, i) => record(i + 5000));
    await stream(large, Buffer.byteLength(large), 'reused.json');
    const text = JSON.stringify(small);
    const { files } = await stream(text, Buffer.byteLength(text), 'reused.json');
    expect(files).toHaveLength(3);
    expect(files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as unknown[]).flat()).toEqual(small);
    // Each of the two cuts drops a comma and adds `]` and `[`: nothing of the larger body is left.
    expect(files.reduce((n, f) => n + fs.statSync(f).size, 0)).toBe(Buffer.byteLength(text) + 2);
  });

  test('a body shorter than its declared size, ended before the first mark: no part is given', async () => {
    const text = JSON.stringify(Array.from({ length: 2000 }, (_, i) => record(i)));
    expect((await stream(text, Buffer.byteLength(text) * 10, 'lying.json')).files).toEqual([]);
  });

  test('a part file that cannot be written fails the stream, naming it, and is not blamed on the source', async () => {
    const text = JSON.stringify(Array.from({ length: 2000 }, (_, i) => record(i)));
    const files = targets('blocked', 3);
    fs.mkdirSync(files[1] as string, { recursive: true }); // the second part's path is a folder
    const writer = partWriter(files, Buffer.byteLength(text), 20_000);
    const failure = pipeline(
      Readable.from(chunked(bytes(text), 4096, 7).map((c) => Buffer.from(c))),
      writer.stream,
      new Writable({ write: (_chunk, _e, done) => done() }),
    );
    await expect(failure).rejects.toThrow(PartWriteFailed);
    await expect(failure).rejects.toThrow(files[1] as string);
    expect(writer.files()).toEqual([]);
  });

  test('a download that breaks after a cut rejects with its own error, leaves no rejection unhandled, and gives no part', async () => {
    const text = JSON.stringify(Array.from({ length: 2000 }, (_, i) => record(i)));
    const chunks = chunked(bytes(text), 4096, 7).map((c) => Buffer.from(c));
    const writer = partWriter(targets('broken', 3), Buffer.byteLength(text), 20_000);
    function* brokenAfterTwoThirds() {
      for (const [i, chunk] of chunks.entries()) {
        if (i > (chunks.length * 2) / 3) throw new Error('connection reset');
        yield chunk;
      }
    }
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(
        pipeline(
          Readable.from(brokenAfterTwoThirds()),
          writer.stream,
          new Writable({ write: (_chunk, _e, done) => done() }),
        ),
      ).rejects.toThrow('connection reset');
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(writer.files()).toEqual([]);
  });

  test('no cut near a mark: no part is given', async () => {
    // One record holding most of the body: every mark falls in its long string, with no `},{` there.
    const text = JSON.stringify([record(0), record(1, { country: 'y'.repeat(3_000_000) }), record(2)]);
    const { files, through } = await stream(text, Buffer.byteLength(text), 'trapped.json', 20_000);
    expect(through).toBe(text);
    expect(files).toEqual([]);
  });
});

describe('PartFiles', () => {
  test('sets in use at once are distinct; a released set is handed out again', () => {
    const pool = new PartFiles(path.join(dir, 'pool'), 2);
    const a = pool.acquire();
    const b = pool.acquire();
    expect(a.files).toHaveLength(2);
    expect(new Set([...a.files, ...b.files]).size).toBe(4);
    a.release();
    a.release(); // once only
    expect(pool.acquire().files).toEqual(a.files);
    expect(pool.acquire().files).not.toEqual(a.files);
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
        partFiles: targets(name, readParts),
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
    expect(await cutBody(plain, targets('plain', 2), 20_000)).toHaveLength(2);
    expect((await land(plain, 2, 'plain-cut')).rows).toEqual((await land(plain, 1, 'plain-whole')).rows);
  });
});
