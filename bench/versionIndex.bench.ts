/**
 * `npm run bench:versions`: the version index's lookup (docs/versioning.md, "The version index")
 * against the hours already landed. For K = 1, 24, 168 earlier hours (BENCH_HOURS) of
 * BENCH_READINGS version entries each (default 1,000,000), it looks up a batch of BENCH_READINGS ids
 * of which 1.5 % were landed before (spread over the K hours) and prints the lookup's time, the
 * hits found, the memory the cache holds and the process's RSS. In the same run, the anchor: the
 * design it replaces and the one rejected for it, a DuckDB join of the batch's hashes against the K
 * hours' sorted hashes in Parquet (BENCH_JOIN_HOURS, default 1,24: it reads all of them every hour).
 *
 * The K runs are synthetic: real hashes, in a run file whose records and ids are left as holes (a
 * sparse file; the lookup reads a record only for a hit), so 168 hours take 1.3 GB of disk, not 16.
 * The write side (a run of 1,000,000 landed rows through DuckDB) is timed once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openAnalytics, queryRows } from '../adapters/analytics/duckdb';
import { VersionCache, type LiveRun } from '../adapters/versions/cache';
import { writeRun } from '../adapters/versions/duckdbRuns';
import { RECORD_BYTES, RUN_HEADER_BYTES, RUN_MAGIC } from '../core/versionRun';

const N = Number(process.env.BENCH_READINGS ?? 1_000_000);
const HOURS = (process.env.BENCH_HOURS ?? '1,24,168').split(',').map(Number);
const JOIN_HOURS = (process.env.BENCH_JOIN_HOURS ?? '1,24').split(',').map(Number);
const KNOWN_SHARE = 0.015;

/** A xorshift generator: the same hashes on every run of the benchmark. */
function random32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Sorts (hi, lo) pairs as the 64-bit numbers they are (a typed sort of BigUint64). */
function sortedPairs(hi: Uint32Array, lo: Uint32Array): void {
  const pairs = new BigUint64Array(hi.length);
  for (let i = 0; i < hi.length; i += 1) pairs[i] = (BigInt(hi[i]!) << 32n) | BigInt(lo[i]!);
  pairs.sort();
  for (let i = 0; i < hi.length; i += 1) {
    hi[i] = Number(pairs[i]! >> 32n);
    lo[i] = Number(pairs[i]! & 0xffffffffn);
  }
}

/** A sparse run file of `n` sorted hashes: header and hashes written, records and ids holes. */
function writeSparseRun(file: string, hi: Uint32Array, lo: Uint32Array): void {
  const n = hi.length;
  const head = Buffer.alloc(RUN_HEADER_BYTES + 8 * n);
  head.write(RUN_MAGIC, 0, 'latin1');
  head.writeUInt32LE(n, 8);
  for (let i = 0; i < n; i += 1) {
    head.writeUInt32LE(hi[i]!, RUN_HEADER_BYTES + 8 * i);
    head.writeUInt32LE(lo[i]!, RUN_HEADER_BYTES + 8 * i + 4);
  }
  fs.writeFileSync(file, head);
  fs.truncateSync(file, RUN_HEADER_BYTES + (8 + RECORD_BYTES + 4) * n);
}

function rssMb(): number {
  return Math.round(process.memoryUsage().rss / 1e6);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-versions-bench-'));
  const analytics = await openAnalytics({ memoryLimitMb: 160, threads: 2, tempDir: path.join(dir, 'duck') });
  try {
    const maxHours = Math.max(...HOURS, ...JOIN_HOURS);
    const next = random32(23);
    const runs: { hi: Uint32Array; lo: Uint32Array; file: string }[] = [];
    const made = performance.now();
    for (let r = 0; r < maxHours; r += 1) {
      const hi = new Uint32Array(N).map(() => next());
      const lo = new Uint32Array(N).map(() => next());
      sortedPairs(hi, lo);
      const file = path.join(dir, `run-${r}.run`);
      writeSparseRun(file, hi, lo);
      // Only what the batch draws its known ids from is kept: every stride-th hash of the run.
      const stride = Math.max(1, Math.floor(1 / KNOWN_SHARE));
      runs.push({
        hi: hi.filter((_, i) => i % stride === 0),
        lo: lo.filter((_, i) => i % stride === 0),
        file,
      });
    }
    console.log(
      `made ${maxHours} synthetic runs of ${N} entries in ${((performance.now() - made) / 1000).toFixed(1)} s`,
    );

    console.log(
      '\nwrite side: one run of landed rows through DuckDB (adapters/versions/duckdbRuns.ts writeRun)',
    );
    await analytics.withConnection(async (conn) => {
      await conn.run(
        `CREATE TABLE landed AS SELECT uuid()::VARCHAR AS reading_id, TIMESTAMPTZ '2026-12-01 10:00:00+00' AS belongs_to_hour,
                CAST(i % 8 AS INTEGER) AS bucket, i AS ordinal, TIMESTAMPTZ '2026-12-01 09:30:00+00' AS measured_at,
                45.0 + random() AS lat, 2.0 + random() AS lon, 12.5 AS temperature, 'France' AS country
           FROM range(${N}) t(i)`,
      );
      const started = performance.now();
      const written = await writeRun(conn, 'SELECT * FROM landed', path.join(dir, 'real.run'));
      console.log(
        `  ${written.entries} entries, ${(written.bytes / 1e6).toFixed(1)} MB, ${((performance.now() - started) / 1000).toFixed(2)} s`,
      );
    });

    console.log(
      '\nlookup: a batch of BENCH_READINGS ids, 1.5 % known, against K hours (sliced Bloom filters, then point reads)',
    );
    console.log(
      '  K hours | open (cold cache) s | lookup s (3 tries) | hits found/expected | cache MB (memory, filter files) | RSS MB',
    );
    for (const k of HOURS) {
      const cache = new VersionCache(path.join(dir, `cache-${k}`), { bitsPerKey: 16 });
      const live: LiveRun[] = runs
        .slice(0, k)
        .map((run, r) => ({ key: run.file, receivedAt: r, batchKey: `pull:${r}` }));
      let started = performance.now();
      await cache.sync('bench', live, (key) => Promise.resolve(key));
      const open = (performance.now() - started) / 1000;
      // The batch: known ids drawn evenly from the K runs, the rest new.
      const perRun = Math.floor((N * KNOWN_SHARE) / k);
      const hi = new Uint32Array(N);
      const lo = new Uint32Array(N);
      let i = 0;
      for (let r = 0; r < k; r += 1)
        for (let j = 0; j < perRun; j += 1, i += 1) {
          // Spread over the whole sample: the known ids cover the hash range as real ones do.
          const at = Math.floor((j * runs[r]!.hi.length) / perRun);
          hi[i] = runs[r]!.hi[at]!;
          lo[i] = runs[r]!.lo[at]!;
        }
      const expected = i;
      const fresh = random32(99 + k);
      for (; i < N; i += 1) {
        hi[i] = fresh();
        lo[i] = fresh();
      }
      sortedPairs(hi, lo);
      const times: string[] = [];
      let hits = 0;
      for (let t = 0; t < 3; t += 1) {
        started = performance.now();
        hits = cache.lookup(live, { hi, lo }, 0).matched;
        times.push(((performance.now() - started) / 1000).toFixed(2));
      }
      console.log(
        `  ${String(k).padStart(7)} | ${open.toFixed(1).padStart(19)} | ${times.join(' ').padStart(18)} | ${hits}/${expected} | ${`${(cache.memoryBytes / 1e6).toFixed(0)}, ${(cache.filterFileBytes / 1e6).toFixed(0)}`.padStart(30)} | ${rssMb()}`,
      );
      await cache.close();
    }

    console.log('\nanchor: DuckDB join of the batch hashes against K hours of sorted hashes in Parquet');
    await analytics.withConnection(async (conn) => {
      for (const k of JOIN_HOURS) {
        const files: string[] = [];
        for (let r = 0; r < k; r += 1) {
          const file = path.join(dir, `hashes-${r}.parquet`);
          if (!fs.existsSync(file))
            await conn.run(
              `COPY (SELECT hash(i, ${r}) AS h FROM range(${N}) t(i) ORDER BY h) TO '${file}' (FORMAT parquet, COMPRESSION zstd)`,
            );
          files.push(`'${file}'`);
        }
        await conn.run(`CREATE OR REPLACE TEMP TABLE batch AS SELECT hash(i, -1) AS h FROM range(${N}) t(i)`);
        const started = performance.now();
        const [row] = await queryRows<{ n: number }>(
          conn,
          `SELECT CAST(count(*) AS DOUBLE) AS n FROM read_parquet([${files.join(', ')}]) WHERE h IN (SELECT h FROM batch)`,
        );
        console.log(
          `  K = ${k}: ${((performance.now() - started) / 1000).toFixed(2)} s (${row?.n ?? 0} hits)`,
        );
      }
    });
  } finally {
    analytics.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
