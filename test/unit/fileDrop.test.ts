/** The file-drop source on a real temporary folder: batches, keys, exactly-once acknowledge, bad files. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isSourceError } from '../../core/errors';
import { createFileDropSource } from '../../adapters/sources/fileDrop';
import type { SourceBatch } from '../../adapters/sources/types';

const NOW = new Date('2026-11-27T14:05:00Z');
const now = () => NOW;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const NDJSON =
  '{"id":"a1","timestamp":"2026-11-27 13:58:00","lat":48.85,"lon":2.35,"temperature":7.5,"country":"France"}\n' +
  '\n' +
  '{"id":"a2","timestamp":"2026-11-27 13:59:00","lat":43.6,"lon":1.44,"temperature":11,"extra":true}\n';
const CSV =
  'id,timestamp,lat,lon,temperature,country\r\n' +
  'c1,2026-11-27 13:50:00,45.76,4.83,9.25,France\r\n' +
  'c2,2026-11-27 13:51:00,47.2,-1.55,,France\r\n';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'file-drop-test-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, content: string | Buffer) => fs.writeFileSync(path.join(dir, name), content);
const list = (sub = '') => fs.readdirSync(path.join(dir, sub)).sort();

async function fetchError(source = createFileDropSource({ dir }, { now })) {
  const thrown: unknown = await source.fetch().then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isSourceError(thrown)) throw new Error(`expected a SourceError, got ${String(thrown)}`);
  return thrown;
}

describe('file-drop source', () => {
  it('creates the folder and finds nothing in an empty one', async () => {
    const missing = path.join(dir, 'not-yet');
    await expect(createFileDropSource({ dir: missing }).fetch()).resolves.toEqual([]);
    expect(fs.existsSync(missing)).toBe(true);
  });

  it('reads NDJSON and CSV files as raw records, one batch per file keyed by name and content hash', async () => {
    write('b-readings.ndjson', NDJSON);
    write('a-readings.csv', CSV);
    write('c.jsonl', '{"id":"j1"}\n');
    write('notes.txt', 'ignored');
    write('.d-in-progress.csv', CSV); // hidden: still being written
    fs.mkdirSync(path.join(dir, 'sub.csv'));

    const source = createFileDropSource({ dir }, { now });
    expect(source.name).toBe('file-drop');
    const batches = await source.fetch();
    expect(batches).toEqual<SourceBatch[]>([
      {
        source: 'file-drop',
        key: `file:a-readings.csv:${sha(CSV)}`,
        fetchedAt: NOW,
        records: [
          {
            id: 'c1',
            timestamp: '2026-11-27 13:50:00',
            lat: 45.76,
            lon: 4.83,
            temperature: 9.25,
            country: 'France',
          },
          { id: 'c2', timestamp: '2026-11-27 13:51:00', lat: 47.2, lon: -1.55, country: 'France' },
        ],
      },
      {
        source: 'file-drop',
        key: `file:b-readings.ndjson:${sha(NDJSON)}`,
        fetchedAt: NOW,
        records: [
          {
            id: 'a1',
            timestamp: '2026-11-27 13:58:00',
            lat: 48.85,
            lon: 2.35,
            temperature: 7.5,
            country: 'France',
          },
          { id: 'a2', timestamp: '2026-11-27 13:59:00', lat: 43.6, lon: 1.44, temperature: 11, extra: true },
        ],
      },
      {
        source: 'file-drop',
        key: `file:c.jsonl:${sha('{"id":"j1"}\n')}`,
        fetchedAt: NOW,
        records: [{ id: 'j1' }],
      },
    ]);
    // Fetching does not consume: until acknowledged, the files are offered again.
    expect((await source.fetch()).map((b) => b.key)).toEqual(batches.map((b) => b.key));
  });

  it('consumes each file exactly once: acknowledge moves it aside, and is idempotent', async () => {
    write('one.ndjson', NDJSON);
    const source = createFileDropSource({ dir }, { now });
    const [batch] = await source.fetch();
    if (!batch) throw new Error('no batch');

    await source.acknowledge(batch);
    await source.acknowledge(batch); // an activity retry
    // Another process acknowledging from the key alone (records not carried).
    await createFileDropSource({ dir }).acknowledge({ ...batch, records: [] });

    expect(list()).toEqual(['processed']);
    expect(list('processed')).toEqual(['one.ndjson']);
    expect(fs.readFileSync(path.join(dir, 'processed', 'one.ndjson'), 'utf8')).toBe(NDJSON);
    await expect(source.fetch()).resolves.toEqual([]);
  });

  it('gives a re-landed identical file the same key, and never overwrites a kept one', async () => {
    write('same.ndjson', NDJSON);
    const source = createFileDropSource({ dir }, { now });
    const [first] = await source.fetch();
    await source.acknowledge(first!);

    write('same.ndjson', NDJSON);
    const [again] = await source.fetch();
    expect(again?.key).toBe(first?.key); // the landing sees it was landed already
    await source.acknowledge(again!);

    const newer = '{"id":"newer"}\n';
    write('same.ndjson', newer); // same name, new content: a new batch
    const [changed] = await source.fetch();
    expect(changed?.key).toBe(`file:same.ndjson:${sha(newer)}`);
    await source.acknowledge(changed!);

    expect(list()).toEqual(['processed']);
    expect(list('processed')).toEqual(
      [
        'same.ndjson',
        `same.ndjson.${sha(NDJSON).slice(0, 12)}`,
        `same.ndjson.${sha(newer).slice(0, 12)}`,
      ].sort(),
    );
    expect(
      fs.readFileSync(path.join(dir, 'processed', `same.ndjson.${sha(newer).slice(0, 12)}`), 'utf8'),
    ).toBe(newer);
  });

  it('leaves a file replaced between fetch and acknowledge, to be fetched as new', async () => {
    write('r.ndjson', NDJSON);
    const source = createFileDropSource({ dir }, { now });
    const [batch] = await source.fetch();
    const replacement = '{"id":"new"}\n';
    write('r.ndjson', replacement);
    await source.acknowledge(batch!);
    expect(list()).toEqual(['r.ndjson']);
    expect((await source.fetch()).map((b) => b.key)).toEqual([`file:r.ndjson:${sha(replacement)}`]);
  });

  it('refuses to acknowledge a batch that is not its own', async () => {
    const source = createFileDropSource({ dir });
    const foreign = { source: 'partner-api', key: null, fetchedAt: NOW, records: [] };
    await expect(source.acknowledge(foreign)).rejects.toThrow('cannot acknowledge');
    await expect(source.acknowledge({ ...foreign, source: 'file-drop', key: 'file:x' })).rejects.toThrow();
  });

  it('moves a file that cannot be parsed to failed/ with the reason, and throws non-retryable naming it', async () => {
    write('good.csv', CSV);
    write('broken.ndjson', '[{"id":\n{"oops"\n');
    write('no-header.csv', 'a,b,c\n1,2,3\n');
    write('binary.csv', Buffer.from([0xff, 0xfe, 0x00, 0x41]));

    const error = await fetchError();
    expect(error.retryable).toBe(false);
    for (const name of ['broken.ndjson', 'no-header.csv', 'binary.csv'])
      expect(error.message).toContain(name);
    expect(error.message).toContain('the other 1 file(s) stay for the next import');

    expect(list()).toEqual(['failed', 'good.csv']);
    expect(list('failed')).toEqual([
      'binary.csv',
      'binary.csv.error.txt',
      'broken.ndjson',
      'broken.ndjson.error.txt',
      'no-header.csv',
      'no-header.csv.error.txt',
    ]);
    expect(fs.readFileSync(path.join(dir, 'failed', 'no-header.csv.error.txt'), 'utf8')).toContain(
      'the header lacks id, timestamp, lat, lon, temperature',
    );
    expect(fs.readFileSync(path.join(dir, 'failed', 'broken.ndjson'), 'utf8')).toBe('[{"id":\n{"oops"\n');

    // The next import is not blocked by the same file: the good one comes through.
    const batches = await createFileDropSource({ dir }, { now }).fetch();
    expect(batches.map((b) => b.key)).toEqual([`file:good.csv:${sha(CSV)}`]);
  });

  it('keeps bad lines and rows as raw text records, for the quarantine', async () => {
    write('mixed.ndjson', '{"id":"ok"}\nnot json at all\n42\n');
    write('mixed.csv', 'id,timestamp,lat,lon,temperature\nx1,2026-11-27 13:00:00,45,5,ten\nx2,only,three\n');
    const batches = await createFileDropSource({ dir }, { now }).fetch();
    expect(batches.map((b) => b.records)).toEqual([
      [{ id: 'x1', timestamp: '2026-11-27 13:00:00', lat: 45, lon: 5, temperature: 'ten' }, 'x2,only,three'],
      [{ id: 'ok' }, 'not json at all', 42],
    ]);
  });
});
