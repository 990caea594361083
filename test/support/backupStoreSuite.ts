/**
 * Hour backups (adapters/backup/store.ts) as a jest suite, run on a folder (unit project) and on
 * SeaweedFS (integration): rows and landed objects round-trip, a second backup is a new
 * generation, an interrupted one is ignored, and each kind of damage is a BackupError naming the
 * file. Checksums and row counts are computed here from the raw bytes, never taken from the code.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BackupStore, MANIFEST, MANIFEST_FORMAT, type HourManifest } from '../../adapters/backup/store';
import type { ObjectStore } from '../../adapters/objectStore/types';
import { isBackupError } from '../../core/errors';
import { readAll, sha256 } from './objectStoreContract';

/** A fresh destination, a fresh landing store, and a way to change bytes behind the store's back. */
export interface BackupSuiteTarget {
  backup: ObjectStore;
  landing: ObjectStore;
  /** Replaces the bytes of `key` in `backup` (undefined: deletes it). */
  tamper(key: string, change: (bytes: Buffer) => Buffer | undefined): Promise<void>;
}

const HOUR = new Date('2026-11-27T14:00:00Z');
const FOLDER = '2026-11-27T140000Z';
const CREATED = new Date('2026-11-27T15:02:03.456Z');

const readings = [
  { id: 'a', timestamp: '2026-11-27T13:10:00.000Z', lat: 48.1, lon: -1.7, temperature: 7.25, country: 'FR' },
  { id: 'b', timestamp: '2026-11-27T13:20:00.000Z', lat: 43.3, lon: 5.4, temperature: -0.5, country: null },
  { id: 'c\nwith newline', note: 'Île-de-France — "quoted" \u2028 ✓', nested: { deep: [1, 2, { x: null }] } },
];
const aggregates = [{ region: 'Bretagne', temperature: 7.25, numberOfPoints: 1 }];

function* stream<T>(rows: readonly T[]): Generator<T> {
  for (const row of rows) yield row;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );
}

async function expectBackupError(promise: Promise<unknown>, fragment: string): Promise<void> {
  const error = await rejection(promise);
  expect(isBackupError(error)).toBe(true);
  expect(isBackupError(error) && error.retryable).toBe(false);
  expect(error.message).toContain(fragment);
}

async function rowsOf(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const rows = [];
  for await (const row of iterable) rows.push(row);
  return rows;
}

export function backupStoreSuite(open: () => Promise<BackupSuiteTarget>): void {
  let target: BackupSuiteTarget;
  let store: BackupStore;
  let storeId: string;
  let scratch: string;
  let landed: { key: string; sha256: string; bytes: Buffer }[];

  beforeEach(async () => {
    target = await open();
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'tp-backup-suite-'));
    store = new BackupStore(target.backup, scratch);
    storeId = randomUUID();
    landed = [];
    for (const name of ['bucket=00/part-0.parquet', 'bucket=01/part-0.parquet']) {
      const bytes = randomBytes(50_000);
      const file = path.join(scratch, `in-${randomUUID()}`);
      await fs.writeFile(file, bytes);
      const key = `landing/import_hour=2026-11-27T14:00:00Z/${name}`;
      await target.landing.putFile(key, file);
      landed.push({ key, sha256: sha256(bytes), bytes });
    }
  });
  afterEach(async () => {
    await fs.rm(scratch, { recursive: true, force: true });
  });

  async function writeSample(createdAt = CREATED) {
    return store.writeHour(
      storeId,
      HOUR,
      {
        tables: [
          { name: 'readings', rows: stream(readings) },
          { name: 'aggregates', rows: stream(aggregates) },
          { name: 'empty', rows: stream([]) },
        ],
        objects: landed.map(({ key, sha256 }) => ({ key, sha256 })),
        landing: target.landing,
      },
      createdAt,
    );
  }

  test('every row of every table and every landed object round-trip; the manifest describes the raw files', async () => {
    const { manifest, ref } = await writeSample();
    expect(await store.storeIds()).toEqual([storeId]);
    expect(await store.listHours(storeId)).toEqual([ref]);
    expect(ref.folder).toBe(FOLDER);
    expect(manifest).toMatchObject({ format: MANIFEST_FORMAT, storeId, hour: '2026-11-27T14:00:00Z' });
    expect(manifest.createdAt).toBe(CREATED.toISOString());
    expect(await store.readManifest(ref)).toEqual(manifest);
    expect(await rowsOf(store.readTable(ref, manifest, 'readings'))).toEqual(readings);
    expect(await rowsOf(store.readTable(ref, manifest, 'aggregates'))).toEqual(aggregates);
    expect(await rowsOf(store.readTable(ref, manifest, 'empty'))).toEqual([]);
    expect(await store.verify(ref)).toEqual(manifest);

    const expectedRows = { readings: readings.length, aggregates: 1, empty: 0 };
    expect(manifest.tables.map((t) => t.name)).toEqual(['readings', 'aggregates', 'empty']);
    for (const entry of manifest.tables) {
      const bytes = await readAll(
        await target.backup.openRead(`${ref.generation}tables/${entry.name}.ndjson.gz`),
      );
      expect(entry.bytes).toBe(bytes.length);
      expect(entry.sha256).toBe(sha256(bytes));
      const text = gunzipSync(bytes).toString('utf8');
      expect(text === '' ? 0 : text.trimEnd().split('\n').length).toBe(entry.rows);
      expect(entry.rows).toBe(expectedRows[entry.name as keyof typeof expectedRows]);
    }
    expect(manifest.objects).toEqual(
      landed.map(({ key, sha256, bytes }) => ({ key, sha256, bytes: bytes.length })),
    );
    for (const object of landed) {
      const copy = await readAll(await target.backup.openRead(`${storeId}/objects/${object.key}`));
      expect(copy.equals(object.bytes)).toBe(true);
    }
  });

  test('landed objects restore into an empty landing store, byte for byte', async () => {
    const { manifest, ref } = await writeSample();
    const empty = (await open()).landing;
    expect(await store.restoreObjects(ref, manifest, empty)).toBe(landed.length);
    for (const object of landed)
      expect((await readAll(await empty.openRead(object.key))).equals(object.bytes)).toBe(true);
  });

  test('backing an hour up again writes a newer generation; the older one stays whole', async () => {
    const first = await writeSample();
    const second = await store.writeHour(
      storeId,
      HOUR,
      { tables: [{ name: 'readings', rows: stream([{ id: 'z' }]) }] },
      new Date('2026-11-27T16:00:00Z'),
    );
    expect(second.ref.generation).not.toBe(first.ref.generation);
    expect(await store.listHours(storeId)).toEqual([second.ref]);
    expect(await rowsOf(store.readTable(second.ref, second.manifest, 'readings'))).toEqual([{ id: 'z' }]);
    expect(await store.verify(first.ref)).toEqual(first.manifest);
  });

  test('hours are listed oldest first; a generation without a manifest (interrupted) is ignored', async () => {
    const other = new Date('2026-11-27T03:00:00Z');
    await store.writeHour(storeId, other, { tables: [{ name: 'readings', rows: stream([{}]) }] }, CREATED);
    const { ref } = await writeSample();
    const half = path.join(scratch, 'half.gz');
    await fs.writeFile(half, gzipSync('{}\n'));
    await target.backup.putFile(`${storeId}/hours/2026-11-27T170000Z/g1/tables/readings.ndjson.gz`, half);
    await target.backup.putFile(
      `${storeId}/hours/${FOLDER}/g99999999T999999999Z-ffffffff/tables/readings.ndjson.gz`,
      half,
    );
    expect((await store.listHours(storeId)).map((r) => r.folder)).toEqual(['2026-11-27T030000Z', FOLDER]);
    expect((await store.listHours(storeId))[1]).toEqual(ref);
    expect(await store.listHours(randomUUID())).toEqual([]);
  });

  test('a landed object whose bytes differ from its recorded sha256 is refused, naming it, and no manifest is written', async () => {
    const [first] = landed;
    const error = await rejection(
      store.writeHour(
        storeId,
        HOUR,
        {
          tables: [],
          objects: [{ key: first?.key ?? '', sha256: sha256(Buffer.from('other')) }],
          landing: target.landing,
        },
        CREATED,
      ),
    );
    expect(isBackupError(error)).toBe(true);
    expect(error.message).toContain(first?.key);
    expect(await store.listHours(storeId)).toEqual([]);
  });

  test('ten objects are copied, listed in the order given; one damaged among them fails the copy, naming it', async () => {
    const many: { key: string; sha256: string }[] = [];
    for (let i = 0; i < 10; i += 1) {
      const bytes = randomBytes(60_000 - 4_000 * i); // the last started ends first
      const file = path.join(scratch, `in-${randomUUID()}`);
      await fs.writeFile(file, bytes);
      const key = `landing/import_hour=2026-11-27T15:00:00Z/bucket=${String(i).padStart(2, '0')}/part-0.parquet`;
      await target.landing.putFile(key, file);
      many.push({ key, sha256: sha256(bytes) });
    }
    const { manifest } = await store.writeHour(
      storeId,
      HOUR,
      { tables: [], objects: many, landing: target.landing },
      CREATED,
    );
    expect(manifest.objects.map((o) => [o.key, o.sha256])).toEqual(many.map((o) => [o.key, o.sha256]));
    expect(manifest.objects.map((o) => o.bytes)).toEqual(many.map((_, i) => 60_000 - 4_000 * i));

    const otherStore = randomUUID();
    const damaged = many.map((o, i) => (i === 6 ? { ...o, sha256: sha256(Buffer.from('other')) } : o));
    const error = await rejection(store.copyObjects(otherStore, damaged, target.landing));
    expect(isBackupError(error)).toBe(true);
    expect(error.message).toContain(many[6]?.key);
  });

  describe('damage is a BackupError naming the file', () => {
    let ref: Awaited<ReturnType<BackupStore['writeHour']>>['ref'];
    const readingsKey = () => `${ref.generation}tables/readings.ndjson.gz`;
    beforeEach(async () => {
      ({ ref } = await writeSample());
    });

    test.each([
      [
        'a flipped byte',
        (b: Buffer) => Buffer.from(b.map((x, i) => (i === Math.floor(b.length / 2) ? x ^ 0xff : x))),
      ],
      ['a truncated file', (b: Buffer) => b.subarray(0, b.length - 5)],
      ['an extra byte at the end', (b: Buffer) => Buffer.concat([b, Buffer.from([0])])],
      ['a missing file', () => undefined],
    ])('%s in a table file', async (_label, change) => {
      await target.tamper(readingsKey(), change);
      await expectBackupError(store.verify(ref), readingsKey());
    });

    test.each([
      ['a flipped byte', (b: Buffer) => Buffer.from(b.map((x, i) => (i === 7 ? x ^ 0xff : x)))],
      ['a missing file', () => undefined],
    ])('%s in a copied object; restoring it is refused too', async (_label, change) => {
      const key = `${storeId}/objects/${landed[1]?.key}`;
      await target.tamper(key, change);
      await expectBackupError(store.verify(ref), key);
      const manifest = await store.readManifest(ref);
      await expectBackupError(
        store.restoreObjects(ref, manifest, (await open()).landing),
        landed[1]?.key ?? '?',
      );
    });

    test.each([
      ['not JSON', '{"format": "temperature-pipeline/hour-backup@2", "tables": ['],
      ['another format', JSON.stringify({ format: 'something-else@1', tables: [], objects: [] })],
      ['JSON null', 'null'],
      ['a table entry without a name', (m: HourManifest) => JSON.stringify({ ...m, tables: [{}] })],
      [
        'a table name with a path',
        (m: HourManifest) => JSON.stringify({ ...m, tables: [{ ...m.tables[0], name: '../x' }] }),
      ],
      [
        'one more row than the file holds',
        (m: HourManifest) =>
          JSON.stringify({ ...m, tables: m.tables.map((t) => ({ ...t, rows: t.rows + 1 })) }),
      ],
    ])('a manifest with %s', async (label, content) => {
      const manifestKey = `${ref.generation}${MANIFEST}`;
      await target.tamper(manifestKey, (bytes) => {
        const manifest = JSON.parse(bytes.toString('utf8')) as HourManifest;
        return Buffer.from(typeof content === 'string' ? content : content(manifest));
      });
      // A row count that disagrees is caught at the file it describes; anything else at the manifest.
      await expectBackupError(store.verify(ref), label.startsWith('one more') ? ref.generation : manifestKey);
    });

    test('a file consistent with its checksum but not NDJSON', async () => {
      const bytes = gzipSync('{"id": "a"}\nthis is not json\n');
      await target.tamper(readingsKey(), () => bytes);
      await target.tamper(`${ref.generation}${MANIFEST}`, (raw) => {
        const manifest = JSON.parse(raw.toString('utf8')) as HourManifest;
        const entry = manifest.tables.find((t) => t.name === 'readings');
        Object.assign(entry ?? {}, { rows: 2, bytes: bytes.length, sha256: sha256(bytes) });
        return Buffer.from(JSON.stringify(manifest));
      });
      await expectBackupError(store.verify(ref), readingsKey());
    });
  });
}
