/**
 * The version index's parts (docs/versioning.md, "The version index"): the blocked Bloom filter
 * never forgets a key, a run's bytes are a function of its entries, the local run finds exactly the
 * entries of the probed hashes (checked against a plain scan), and a lookup keeps the newest version
 * per id, in full ids, within the horizon. The DuckDB side writes a run from rows and hashes a batch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { SlicedBloom } from '../../core/versionFilter';
import { decodeRun, encodeRun, type VersionEntry } from '../../core/versionRun';
import { newestVersions } from '../../core/versionChoice';
import { LocalRun } from '../../adapters/versions/localIndex';
import { SlicedBloomFile } from '../../adapters/versions/filterFile';
import { VersionCache } from '../../adapters/versions/cache';
import { versionCacheOf } from '../../adapters/versions/landingLookup';
import { openAnalytics, queryRows, type Analytics } from '../../adapters/analytics/duckdb';
import { batchHashes, createKnownTable, writeRun } from '../../adapters/versions/duckdbRuns';

const HOUR = 3_600_000;
let dir: string;
let analytics: Analytics;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-versions-'));
  analytics = await openAnalytics({ memoryLimitMb: 256, threads: 1, tempDir: path.join(dir, 'duck') });
});
afterAll(() => {
  analytics.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function entry(hi: number, lo: number, over: Partial<VersionEntry> = {}): VersionEntry {
  return {
    hi,
    lo,
    readingId: `id-${hi}-${lo}`,
    belongsToHour: 490_000 * HOUR,
    bucket: 3,
    ordinal: 0,
    measuredAt: 1_764_000_000_123,
    lat: 48.85,
    lon: 2.35,
    temperature: 12.5,
    country: 'France',
    ...over,
  };
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });

test('a filter answers "maybe" for every key added, and rarely for others', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 500 }), (keys) => {
      const filter = new SlicedBloom(keys.length, 16);
      filter.fill(
        0,
        Uint32Array.from(keys, (k) => k[0]),
        Uint32Array.from(keys, (k) => k[1]),
      );
      return keys.every(([hi, lo]) => filter.slotsFor(hi, lo) === 1);
    }),
  );
  const filter = new SlicedBloom(100_000, 16);
  const ids = Array.from({ length: 100_000 }, (_, i) => i);
  filter.fill(
    0,
    Uint32Array.from(ids, (i) => Math.imul(i, 2654435761) >>> 0),
    Uint32Array.from(ids, (i) => Math.imul(i, 40503) >>> 0),
  );
  let maybe = 0;
  for (const i of ids) if (filter.slotsFor(Math.imul(i + 7, 97) >>> 0, (i * 7919) >>> 0) !== 0) maybe += 1;
  expect(maybe).toBeLessThan(1_000);
});

test('a run encodes its entries sorted, the same bytes whatever their order, and decodes to them', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          hi: u32,
          lo: u32,
          ordinal: fc.nat({ max: 1_000_000 }),
          readingId: fc.string({ unit: 'grapheme', maxLength: 40 }),
          country: fc.option(fc.constantFrom('France', 'Belgique', 'Españà'), { nil: null }),
          temperature: fc.double({ noNaN: true, noDefaultInfinity: true }),
        }),
        { maxLength: 60 },
      ),
      (parts) => {
        const entries = parts.map((p, i) => entry(p.hi, p.lo, { ...p, ordinal: p.ordinal * 64 + i }));
        const bytes = encodeRun(entries);
        expect(encodeRun([...entries].reverse()).equals(bytes)).toBe(true);
        const sorted = [...entries].sort((a, b) => a.hi - b.hi || a.lo - b.lo || a.ordinal - b.ordinal);
        expect(decodeRun(bytes)).toEqual(sorted);
      },
    ),
  );
});

test('a local run finds exactly the entries of the probed hashes, repeated hashes included', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3 })), {
        minLength: 1,
        maxLength: 400,
      }),
      fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 3 })), {
        selector: ([h, l]) => h * 4 + l,
        maxLength: 80,
      }),
      (stored, probed) => {
        // Small hash values collide on purpose: runs of equal hashes cross the 64-entry blocks.
        const entries = stored.map(([h, l], i) =>
          entry(h * 0x4000000, l, { ordinal: i, readingId: `r${i}` }),
        );
        const file = path.join(dir, 'run.bin');
        fs.writeFileSync(file, encodeRun(entries));
        const run = LocalRun.open('k', file);
        try {
          const keys = [...probed]
            .map(([h, l]) => [h * 0x4000000, l] as const)
            .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          const found = run.find({
            hi: Uint32Array.from(keys, (k) => k[0]),
            lo: Uint32Array.from(keys, (k) => k[1]),
          });
          const wanted = new Set(keys.map(([h, l]) => `${h}:${l}`));
          const expected = entries
            .filter((e) => wanted.has(`${e.hi}:${e.lo}`))
            .sort((a, b) => a.hi - b.hi || a.lo - b.lo || a.ordinal - b.ordinal);
          expect(found).toEqual(expected);
        } finally {
          run.close();
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('the newest version counts (received_at, then batch key, then ordinal), outside the horizon none does, ids in full', () => {
  const since = 100 * HOUR;
  const v = (id: string, receivedAt: number, batchKey: string, ordinal: number, belongs = since) => ({
    entry: entry(1, 1, { readingId: id, ordinal, belongsToHour: belongs }),
    receivedAt,
    batchKey,
  });
  const chosen = newestVersions(
    [
      v('a', 10, 'pull:b', 5),
      v('a', 20, 'pull:a', 1),
      v('a', 20, 'pull:a', 0),
      v('b', 30, 'pull:z', 9, since - HOUR),
      // Same hash as `a` (entry(1, 1)) but another id: another reading.
      v('c', 5, 'drop:x', 0),
      v('d', 7, 'pull:a', 1),
      v('d', 7, 'pull:b', 0),
    ],
    since,
  );
  expect(chosen.map((f) => [f.entry.readingId, f.receivedAt, f.batchKey, f.entry.ordinal])).toEqual([
    ['a', 20, 'pull:a', 1],
    ['c', 5, 'drop:x', 0],
    ['d', 7, 'pull:b', 0],
  ]);
});

test('a run written by DuckDB keeps every id byte for byte, whatever characters it holds', async () => {
  // What a CSV writer could change: separators, quotes, line ends, escapes, a null's spelling, spaces.
  const ids = [
    'a,b',
    'q"uote',
    'new\nline',
    'cr\rx',
    'tab\there',
    '\u0001delimiter',
    'back\\slash',
    'NULL',
    ' spaced ',
    'élan 🌡',
    "it's",
    'x'.repeat(300),
    '',
  ];
  await analytics.withConnection(async (conn) => {
    await conn.run(`SET TimeZone = 'UTC'`);
    const list = ids.map((id) => `'${id.replaceAll("'", "''")}'`).join(', ');
    await conn.run(
      `CREATE TEMP TABLE odd AS SELECT ids[i + 1] AS reading_id, TIMESTAMPTZ '2026-11-27 10:00:00+00' AS belongs_to_hour,
              0 AS bucket, i AS ordinal, TIMESTAMPTZ '2026-11-27 09:59:00+00' AS measured_at, 45.0 AS lat, 2.5 AS lon,
              10.0 AS temperature, 'France' AS country
         FROM (SELECT [${list}] AS ids), range(${ids.length}) t(i)`,
    );
    const file = path.join(dir, 'runs', 'odd.run');
    await writeRun(conn, 'SELECT * FROM odd', file);
    const bytes = fs.readFileSync(file);
    const entries = decodeRun(bytes);
    expect(entries.map((e) => e.readingId).sort()).toEqual([...ids].sort());
    expect(entries.map((e) => ids[e.ordinal])).toEqual(entries.map((e) => e.readingId));
    expect(encodeRun(entries, [bytes.readUInt32LE(24), bytes.readUInt32LE(28)]).equals(bytes)).toBe(true);
    expect(fs.existsSync(`${file}.ids`)).toBe(false);
  });
});

test('a run whose ids outgrow one read of the ids file (4 MiB) keeps them all, in order', async () => {
  await analytics.withConnection(async (conn) => {
    await conn.run(`SET TimeZone = 'UTC'`);
    // 6,000 ids of 500 to 1,499 bytes: about 6 MB, so chunks end inside ids.
    await conn.run(
      `CREATE TEMP TABLE long_ids AS SELECT repeat(chr(CAST(97 + i % 26 AS INTEGER)), CAST(500 + (i * 7919) % 1000 AS INTEGER)) || i AS reading_id,
              TIMESTAMPTZ '2026-11-27 10:00:00+00' AS belongs_to_hour, 0 AS bucket, i AS ordinal,
              TIMESTAMPTZ '2026-11-27 09:59:00+00' AS measured_at, 45.0 AS lat, 2.5 AS lon, 10.0 AS temperature, NULL AS country
         FROM range(6000) t(i)`,
    );
    const file = path.join(dir, 'runs', 'long.run');
    const written = await writeRun(conn, 'SELECT * FROM long_ids', file);
    const expected = await queryRows<{ id: string }>(
      conn,
      `SELECT reading_id AS id FROM long_ids ORDER BY ordinal`,
    );
    const entries = decodeRun(fs.readFileSync(file));
    expect(written.bytes).toBe(fs.statSync(file).size);
    expect(entries.map((e) => [e.ordinal, e.readingId]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      expected.map((row, i) => [i, row.id]),
    );
  });
});

test('DuckDB writes a run from landed rows and hashes a batch; the cache finds the versions and makes them `known`', async () => {
  await analytics.withConnection(async (conn) => {
    await conn.run(`SET TimeZone = 'UTC'`);
    await conn.run(
      `CREATE TEMP TABLE rows AS SELECT 'id-' || i AS reading_id, TIMESTAMPTZ '2026-11-27 10:00:00+00' AS belongs_to_hour,
              CAST(i % 4 AS INTEGER) AS bucket, i AS ordinal, TIMESTAMPTZ '2026-11-27 09:59:00.250+00' + to_seconds(i) AS measured_at,
              45.0 + i / 1000 AS lat, 2.5 AS lon, 10.0 + i / 10 AS temperature, CASE WHEN i % 3 = 0 THEN NULL ELSE 'France' END AS country
         FROM range(5000) t(i)`,
    );
    const file = path.join(dir, 'runs', 'a.run');
    const written = await writeRun(conn, 'SELECT * FROM rows', file);
    expect(written.entries).toBe(5000);
    const again = path.join(dir, 'runs', 'b.run');
    await writeRun(conn, 'SELECT * FROM rows ORDER BY reading_id DESC', again);
    expect(fs.readFileSync(again).equals(fs.readFileSync(file))).toBe(true);

    const cache = new VersionCache(path.join(dir, 'cache'), { bitsPerKey: 16 });
    const live = [{ key: 'runs/a.run', receivedAt: 1, batchKey: 'pull:x' }];
    const got = await cache.sync('partner-api', live, () => Promise.resolve(file));
    expect(got.downloaded).toBe(0);
    const keys = await batchHashes(conn, `SELECT 'id-' || i AS reading_id FROM range(4990, 5010) t(i)`);
    expect(keys.hi.length).toBe(20);
    const { versions } = cache.lookup(live, keys, Date.parse('2026-11-27T00:00:00Z'));
    expect(versions.map((f) => f.entry.readingId).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `id-${4990 + i}`).sort(),
    );
    await createKnownTable(conn, 'known_test', versions, dir);
    const mismatches = await queryRows<{ n: number }>(
      conn,
      `SELECT CAST(count(*) AS DOUBLE) AS n FROM known_test k JOIN rows r USING (reading_id)
        WHERE k.belongs_to_hour IS DISTINCT FROM r.belongs_to_hour OR k.bucket IS DISTINCT FROM r.bucket
           OR k.measured_at IS DISTINCT FROM r.measured_at OR k.lat IS DISTINCT FROM r.lat OR k.lon IS DISTINCT FROM r.lon
           OR k.temperature IS DISTINCT FROM r.temperature OR k.country IS DISTINCT FROM r.country OR k.ordinal <> r.ordinal OR k.batch_key <> 'pull:x'`,
    );
    expect(mismatches).toEqual([{ n: 0 }]);
    const [{ n } = { n: -1 }] = await queryRows<{ n: number }>(
      conn,
      `SELECT CAST(count(*) AS DOUBLE) AS n FROM known_test`,
    );
    expect(n).toBe(10);
    // A run no longer live is dropped.
    await cache.sync('partner-api', [], () => Promise.reject(new Error('no download')));
    expect(cache.has('runs/a.run')).toBe(false);
    await cache.close();
  });
});

test('the sliced filter says which of its runs may hold a key, and forgets a run cleared', () => {
  const group = new SlicedBloom(1000, 16);
  const keys = (slot: number) =>
    Array.from(
      { length: 300 },
      (_, i) => [(i * 7919 + slot * 104729) >>> 0, Math.imul(i + 1, slot + 3) >>> 0] as const,
    );
  for (const slot of [0, 5, 31]) {
    const ks = keys(slot);
    group.fill(
      slot,
      Uint32Array.from(ks, (k) => k[0]),
      Uint32Array.from(ks, (k) => k[1]),
    );
  }
  for (const slot of [0, 5, 31])
    for (const [hi, lo] of keys(slot)) expect(group.slotsFor(hi, lo) & (1 << slot)).not.toBe(0);
  group.clear(5);
  expect(group.freeSlot()).toBe(1);
  const still = keys(5).filter(([hi, lo]) => (group.slotsFor(hi, lo) & (1 << 5)) !== 0);
  expect(still).toEqual([]);
});

test('a filter group kept in a file answers as the same group in memory, across windows, fills and clears', () => {
  // 200,000 keys at 16 bits: 6,250 blocks, so the file is read in seven windows of 1,024 blocks.
  const capacity = 200_000;
  const inMemory = new SlicedBloom(capacity, 16);
  const inFile = new SlicedBloomFile(path.join(dir, 'group.bloom'), capacity, 16);
  const random = (() => {
    let x = 99;
    return () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
  })();
  const keysOf = (n: number) => {
    const hi = Uint32Array.from({ length: n }, random);
    const lo = Uint32Array.from({ length: n }, random);
    return { hi, lo };
  };
  const sets = [keysOf(capacity), keysOf(50_000), keysOf(120_000)];
  // Slots 0 and 2 in hash order (as runs are), slot 7 in no order.
  const order = (k: { hi: Uint32Array; lo: Uint32Array }) => {
    const idx = Array.from(k.hi, (_, i) => i).sort((a, b) => k.hi[a]! - k.hi[b]! || k.lo[a]! - k.lo[b]!);
    return { hi: Uint32Array.from(idx, (i) => k.hi[i]!), lo: Uint32Array.from(idx, (i) => k.lo[i]!) };
  };
  const slots = [0, 2, 7];
  sets.forEach((k, n) => {
    const given = n === 2 ? k : order(k);
    inMemory.fill(slots[n]!, given.hi, given.lo);
    inFile.fill(slots[n]!, given.hi, given.lo);
  });
  const probes = order({
    hi: Uint32Array.from([...sets[1]!.hi.subarray(0, 5_000), ...keysOf(20_000).hi]),
    lo: Uint32Array.from([...sets[1]!.lo.subarray(0, 5_000), ...keysOf(20_000).lo]),
  });
  const answers = (reader: { slotsFor(hi: number, lo: number, slots: number): number }) =>
    Array.from(probes.hi, (hi, i) => reader.slotsFor(hi, probes.lo[i]!, 0xffffffff));
  const memoryReader = { slotsFor: (hi: number, lo: number) => inMemory.slotsFor(hi, lo) };
  expect(answers(inFile.reader())).toEqual(answers(memoryReader));
  // Every key added is found in its slot.
  const reader = inFile.reader();
  sets.forEach((k, n) => {
    const sorted = order(k);
    for (let i = 0; i < sorted.hi.length; i += 997)
      expect(reader.slotsFor(sorted.hi[i]!, sorted.lo[i]!, 1 << slots[n]!)).toBe(1 << slots[n]!);
  });
  inMemory.clear(2);
  inFile.clear(2);
  expect(inFile.used).toBe(inMemory.used);
  expect(inFile.freeSlot()).toBe(1);
  expect(answers(inFile.reader())).toEqual(answers(memoryReader));
  expect(fs.statSync(inFile.file).size).toBe(inFile.fileBytes);
  inFile.close();
  expect(fs.existsSync(inFile.file)).toBe(false);
});

test('a cache of 40 runs (two filter groups) finds what a plain scan finds, and the newest version', async () => {
  const cache = new VersionCache(path.join(dir, 'cache-40'), { bitsPerKey: 16 });
  const next = (() => {
    let x = 12345;
    return () => (x = Math.imul(x ^ (x >>> 15), 2246822519) + 0x165667b1) >>> 0;
  })();
  const all: { entry: VersionEntry; receivedAt: number; batchKey: string }[] = [];
  const live = [];
  for (let r = 0; r < 40; r += 1) {
    const entries = Array.from({ length: 200 }, (_, i) =>
      // Every 10th entry repeats an id of run 0 (a later version of it).
      i % 10 === 0 && r > 0
        ? { ...all[i]!.entry, ordinal: i, temperature: r }
        : entry(next(), next(), { ordinal: i, readingId: `r${r}-${i}` }),
    );
    const file = path.join(dir, `run40-${r}.run`);
    fs.writeFileSync(file, encodeRun(entries));
    const run = { key: file, receivedAt: 1000 + r, batchKey: `pull:${r}` };
    live.push(run);
    for (const e of entries) all.push({ entry: e, receivedAt: run.receivedAt, batchKey: run.batchKey });
  }
  await cache.sync('s', live, (key) => Promise.resolve(key));
  const probe = [
    ...all.filter((_, i) => i % 7 === 0).map((f) => [f.entry.hi, f.entry.lo] as const),
    [1, 2] as const,
    [3, 4] as const,
  ];
  const unique = [...new Map(probe.map((k) => [`${k[0]}:${k[1]}`, k])).values()].sort(
    (a, b) => a[0] - b[0] || a[1] - b[1],
  );
  const keys = { hi: Uint32Array.from(unique, (k) => k[0]), lo: Uint32Array.from(unique, (k) => k[1]) };
  const wanted = new Set(unique.map((k) => `${k[0]}:${k[1]}`));
  const expected = newestVersions(
    all.filter((f) => wanted.has(`${f.entry.hi}:${f.entry.lo}`)),
    0,
  );
  const got = cache.lookup(live, keys, 0);
  expect(got.versions).toEqual(expected);
  // Run 0's ids were given again in run 39 last: that version counts.
  expect(got.versions.find((f) => f.entry.readingId === 'r0-0')?.batchKey).toBe('pull:39');
  // Runs no longer live leave the cache and their filter slots.
  await cache.sync('s', live.slice(20), () => Promise.reject(new Error('no download')));
  const later = cache.lookup(live.slice(20), keys, 0);
  expect(later.versions).toEqual(
    newestVersions(
      all.filter((f) => f.receivedAt >= 1020 && wanted.has(`${f.entry.hi}:${f.entry.lo}`)),
      0,
    ),
  );
  await cache.close();
});

test('syncs called together run one after another: a run is downloaded once, and a later sync drops what left', async () => {
  const cache = new VersionCache(path.join(dir, 'cache-together'), { bitsPerKey: 16 });
  const source = path.join(dir, 'together');
  fs.mkdirSync(source, { recursive: true });
  const live = Array.from({ length: 3 }, (_, r) => {
    const file = path.join(source, `run-${r}.run`);
    fs.writeFileSync(file, encodeRun([entry(r + 1, 7, { readingId: `id-${r}`, ordinal: 0 })]));
    return { key: `runs/${r}.run`, receivedAt: r, batchKey: `pull:${r}` };
  });
  const downloads: string[] = [];
  // A download into the folder given: slow enough that two syncs would overlap if they could.
  const fetch = async (key: string, into: string) => {
    downloads.push(key);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const local = path.join(into, 'run');
    fs.copyFileSync(path.join(source, `run-${key.replace(/\D/g, '')}.run`), local);
    return local;
  };
  const [first, second] = await Promise.all([cache.sync('s', live, fetch), cache.sync('s', live, fetch)]);
  expect(downloads.sort()).toEqual(live.map((run) => run.key).sort());
  expect([first.downloaded, second.downloaded]).toEqual([3, 0]);
  await cache.sync('s', live.slice(1), fetch);
  expect(cache.has(live[0]!.key)).toBe(false);
  expect(downloads).toHaveLength(3);
  await cache.close();
});

test('every landing of a process shares the version cache of its scratch folder', () => {
  const scratch = path.join(dir, 'scratch-shared');
  expect(versionCacheOf(scratch)).toBe(versionCacheOf(path.join(scratch, '.')));
  expect(versionCacheOf(scratch)).not.toBe(versionCacheOf(path.join(dir, 'scratch-other')));
});
