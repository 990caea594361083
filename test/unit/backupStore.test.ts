/**
 * Local per-hour backups in a temporary folder: rows round-trip, a rewrite replaces the hour whole,
 * listHours sees only complete backups, and every kind of damage is a BackupError naming the file.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { LocalBackupStore, MANIFEST, MANIFEST_FORMAT, type HourManifest } from '../../adapters/backup/store';
import { isBackupError } from '../../core/errors';

const HOUR = new Date('2026-11-27T14:00:00Z');
const FOLDER = '2026-11-27T140000Z';
const CREATED = new Date('2026-11-27T15:02:03.456Z');

const readings = [
  { id: 'a', timestamp: '2026-11-27T13:10:00.000Z', lat: 48.1, lon: -1.7, temperature: 7.25, country: 'FR' },
  { id: 'b', timestamp: '2026-11-27T13:20:00.000Z', lat: 43.3, lon: 5.4, temperature: -0.5, country: null },
  { id: 'c\nwith newline', note: 'Île-de-France — "quoted" \u2028 ✓', nested: { deep: [1, 2, { x: null }] } },
];
const aggregates = [{ region: 'Bretagne', temperature: 7.25, numberOfPoints: 1 }];

let root: string;
let store: LocalBackupStore;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'backup-store-test-'));
  store = new LocalBackupStore(path.join(root, 'backups'));
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function writeSample(): Promise<HourManifest> {
  return store.writeHour(
    HOUR,
    [
      { name: 'readings', rows: readings },
      { name: 'aggregates', rows: aggregates },
      { name: 'empty', rows: [] },
    ],
    CREATED,
  );
}

/** Expects the promise to reject with a BackupError whose message contains `fragment`. */
async function expectBackupError(promise: Promise<unknown>, fragment: string): Promise<void> {
  let thrown: unknown;
  try {
    await promise;
  } catch (error) {
    thrown = error;
  }
  expect(isBackupError(thrown)).toBe(true);
  expect((thrown as Error).message).toContain(fragment);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('writeHour and readVerified', () => {
  test('round-trip every row of every table, empty tables included', async () => {
    await writeSample();
    const { manifest, tables } = await store.readVerified(FOLDER);
    expect([...tables.keys()].sort()).toEqual(['aggregates', 'empty', 'readings']);
    expect(tables.get('readings')).toEqual(readings);
    expect(tables.get('aggregates')).toEqual(aggregates);
    expect(tables.get('empty')).toEqual([]);
    expect(manifest.hour).toBe('2026-11-27T14:00:00Z');
  });

  test('the folder is named after the hour and holds gzip NDJSON files described by the manifest', async () => {
    const returned = await writeSample();
    const dir = path.join(store.root, FOLDER);
    expect(store.hourDir(HOUR)).toBe(dir);
    expect((await fs.readdir(dir)).sort()).toEqual(
      [MANIFEST, 'aggregates.ndjson.gz', 'empty.ndjson.gz', 'readings.ndjson.gz'].sort(),
    );
    const manifest = JSON.parse(await fs.readFile(path.join(dir, MANIFEST), 'utf8')) as HourManifest;
    expect(manifest).toEqual(returned);
    expect(manifest.format).toBe(MANIFEST_FORMAT);
    expect(manifest.createdAt).toBe(CREATED.toISOString());
    for (const entry of manifest.files) {
      const bytes = await fs.readFile(path.join(dir, entry.name));
      expect(entry.bytes).toBe(bytes.length);
      expect(entry.sha256).toBe(sha256(bytes));
      const text = gunzipSync(bytes).toString('utf8');
      const lines = text === '' ? [] : text.trimEnd().split('\n');
      expect(lines).toHaveLength(entry.rows);
      lines.forEach((line) => expect(() => JSON.parse(line) as unknown).not.toThrow());
    }
    expect(manifest.files.find((f) => f.name === 'readings.ndjson.gz')?.rows).toBe(readings.length);
  });

  test('rewriting an hour replaces it whole and leaves no temporary folder', async () => {
    await writeSample();
    const replacement = [{ id: 'z', temperature: 1 }];
    await store.writeHour(HOUR, [{ name: 'readings', rows: replacement }], new Date('2026-11-27T16:00:00Z'));
    const { manifest, tables } = await store.readVerified(FOLDER);
    expect([...tables.keys()]).toEqual(['readings']);
    expect(tables.get('readings')).toEqual(replacement);
    expect(manifest.createdAt).toBe('2026-11-27T16:00:00.000Z');
    // the dropped tables' files went with the old folder
    expect((await fs.readdir(path.join(store.root, FOLDER))).sort()).toEqual([
      MANIFEST,
      'readings.ndjson.gz',
    ]);
    const entries = await fs.readdir(store.root);
    expect(entries).toEqual([FOLDER]);
    expect(entries.some((name) => name.includes('.tmp-') || name.includes('.old-'))).toBe(false);
  });

  test('several hours live side by side; rewriting one leaves the others alone', async () => {
    const other = new Date('2026-11-27T13:00:00Z');
    await store.writeHour(other, [{ name: 'readings', rows: [{ id: 'keep' }] }], CREATED);
    await writeSample();
    await writeSample();
    expect((await store.readVerified('2026-11-27T130000Z')).tables.get('readings')).toEqual([{ id: 'keep' }]);
    expect((await fs.readdir(store.root)).sort()).toEqual(['2026-11-27T130000Z', FOLDER]);
  });
});

describe('listHours', () => {
  test('an absent root has no hours', async () => {
    expect(await store.listHours()).toEqual([]);
  });

  test('lists complete backups oldest first, ignoring incomplete and temporary folders', async () => {
    await store.writeHour(new Date('2026-11-27T16:00:00Z'), [{ name: 't', rows: [{}] }], CREATED);
    await store.writeHour(new Date('2026-11-26T23:00:00Z'), [{ name: 't', rows: [{}] }], CREATED);
    await writeSample();
    // a folder without a manifest (interrupted, or copied in half)
    await fs.mkdir(path.join(store.root, '2026-11-27T170000Z'));
    await fs.writeFile(path.join(store.root, '2026-11-27T170000Z', 'readings.ndjson.gz'), gzipSync('{}\n'));
    // leftovers of interrupted writes, even with a manifest inside
    for (const leftover of [`${FOLDER}.tmp-1234`, `${FOLDER}.old-5678`]) {
      await fs.mkdir(path.join(store.root, leftover));
      await fs.writeFile(path.join(store.root, leftover, MANIFEST), '{}');
    }
    // a stray file
    await fs.writeFile(path.join(store.root, '2026-11-27T180000Z'), 'not a folder');
    expect(await store.listHours()).toEqual(['2026-11-26T230000Z', FOLDER, '2026-11-27T160000Z']);
  });
});

describe('damage is a BackupError naming the file', () => {
  const dir = () => path.join(store.root, FOLDER);
  const file = () => path.join(dir(), 'readings.ndjson.gz');
  const manifestPath = () => path.join(dir(), MANIFEST);

  beforeEach(async () => {
    await writeSample();
  });

  test('a flipped byte', async () => {
    const bytes = await fs.readFile(file());
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    await fs.writeFile(file(), bytes);
    await expectBackupError(store.readVerified(FOLDER), 'readings.ndjson.gz');
  });

  test('a truncated file', async () => {
    const bytes = await fs.readFile(file());
    await fs.writeFile(file(), bytes.subarray(0, bytes.length - 5));
    await expectBackupError(store.readVerified(FOLDER), 'readings.ndjson.gz');
  });

  test('an extra byte at the end', async () => {
    const bytes = await fs.readFile(file());
    await fs.writeFile(file(), Buffer.concat([bytes, Buffer.from([0])]));
    await expectBackupError(store.readVerified(FOLDER), 'readings.ndjson.gz');
  });

  test('a missing file', async () => {
    await fs.unlink(path.join(dir(), 'aggregates.ndjson.gz'));
    await expectBackupError(store.readVerified(FOLDER), 'aggregates.ndjson.gz');
  });

  test('a missing manifest', async () => {
    await fs.unlink(manifestPath());
    await expectBackupError(store.readVerified(FOLDER), MANIFEST);
  });

  test('a folder that does not exist', async () => {
    await expectBackupError(store.readVerified('2030-01-01T000000Z'), MANIFEST);
  });

  test.each([
    ['not JSON', '{"format": "temperature-pipeline/hour-backup@1", "files": ['],
    ['another format', JSON.stringify({ format: 'something-else@1', hour: 'x', createdAt: 'y', files: [] })],
    ['files not a list', JSON.stringify({ format: MANIFEST_FORMAT, hour: 'x', createdAt: 'y', files: {} })],
    ['an empty object', '{}'],
    ['a JSON array', '[]'],
    ['a JSON string', '"manifest"'],
  ])('a bad manifest: %s', async (_label, content) => {
    await fs.writeFile(manifestPath(), content);
    await expectBackupError(store.readVerified(FOLDER), MANIFEST);
    await expectBackupError(store.readManifest(FOLDER), MANIFEST);
  });

  // Manifests that parse but have the wrong shape must give a non-retryable BackupError naming the
  // manifest, not a TypeError (which isRetryable treats as retryable).
  test.each([
    ['JSON null', 'null'],
    [
      'a null file entry',
      JSON.stringify({ format: MANIFEST_FORMAT, hour: 'x', createdAt: 'y', files: [null] }),
    ],
    [
      'a file entry without a name',
      JSON.stringify({ format: MANIFEST_FORMAT, hour: 'x', createdAt: 'y', files: [{}] }),
    ],
  ])('a bad manifest: %s', async (_label, content) => {
    await fs.writeFile(manifestPath(), content);
    await expectBackupError(store.readVerified(FOLDER), MANIFEST);
  });

  test('a row count that does not match the manifest', async () => {
    const manifest = JSON.parse(await fs.readFile(manifestPath(), 'utf8')) as HourManifest;
    const entry = manifest.files.find((f) => f.name === 'readings.ndjson.gz')!;
    entry.rows += 1;
    await fs.writeFile(manifestPath(), JSON.stringify(manifest));
    await expectBackupError(store.readVerified(FOLDER), 'readings.ndjson.gz');
  });

  test('a file consistent with its checksum but not NDJSON', async () => {
    const bytes = gzipSync('{"id": "a"}\nthis is not json\n');
    await fs.writeFile(file(), bytes);
    const manifest = JSON.parse(await fs.readFile(manifestPath(), 'utf8')) as HourManifest;
    const entry = manifest.files.find((f) => f.name === 'readings.ndjson.gz')!;
    Object.assign(entry, { rows: 2, bytes: bytes.length, sha256: sha256(bytes) });
    await fs.writeFile(manifestPath(), JSON.stringify(manifest));
    await expectBackupError(store.readVerified(FOLDER), 'readings.ndjson.gz');
  });

  test('a file consistent with its checksum but not gzip', async () => {
    const bytes = Buffer.from('{"id": "a"}\n');
    await fs.writeFile(file(), bytes);
    const manifest = JSON.parse(await fs.readFile(manifestPath(), 'utf8')) as HourManifest;
    const entry = manifest.files.find((f) => f.name === 'readings.ndjson.gz')!;
    Object.assign(entry, { rows: 1, bytes: bytes.length, sha256: sha256(bytes) });
    await fs.writeFile(manifestPath(), JSON.stringify(manifest));
    await expectBackupError(store.readVerified(FOLDER), 'readings.ndjson.gz');
  });

  test('the damage is not retryable: reading again cannot fix it', async () => {
    await fs.unlink(file());
    let thrown: unknown;
    try {
      await store.readVerified(FOLDER);
    } catch (error) {
      thrown = error;
    }
    expect(isBackupError(thrown) && thrown.retryable).toBe(false);
  });
});
