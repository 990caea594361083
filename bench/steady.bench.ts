/**
 * `npm run bench:steady [-- --hours K --readings N]`: K consecutive hours (default 168) of N new
 * readings each (default 1,000,000), each hour also carrying 1 % corrections of readings landed up
 * to 160 hours before (a new temperature, same id and timestamp) and 0.5 % duplicates (exact copies
 * of a reading's newest version), on two worker processes (`tempctl worker`, default settings)
 * with the landing store and the backups on SeaweedFS (S3). Prints per hour: end to end, the fetch
 * stage "look up earlier versions", bytes and requests read from and written to the landing store
 * (the workers' `landing_store_*_total` counters, from the end of the hour before: a run downloaded
 * between hours counts in the next one), the bytes the hour itself
 * landed (its answer and Parquet files, from PostgreSQL) and each worker's peak RSS in the hour;
 * and whether the hour's duplicates and corrections are the ones sent. Anchors in the same run: the
 * first hour, and the same K hours on a folder store. Reuses bench/harness.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LOOKUP_STAGES } from '../adapters/landing/index';
import { Client, Connection } from '@temporalio/client';
import knex from 'knex';
import { startDevServer } from '../adapters/temporal/devServer';
import { startSeaweed } from '../adapters/objectStore/seaweed';
import { generateReadings, type SimReading } from '../sim/generator';
import { formatHour, truncateToHour } from '../core/importHour';
import { deepestMessage } from '../core/errors';
import type { ImportSummary } from '../workflows/summary';
import {
  KEY,
  median,
  partnerServer,
  sampleRss,
  seconds,
  settleWrites,
  stagesOf,
  startWorker,
} from './harness';

const PG = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const flag = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const HOURS = flag('--hours', 168);
const READINGS = flag('--readings', 1_000_000);
/** `--stores s3`, `--stores folder`: one of the two runs only (its summary, no S3/folder ratio). */
const STORES = (() => {
  const at = process.argv.indexOf('--stores');
  return at === -1 ? ['s3', 'folder'] : (process.argv[at + 1] ?? '').split(',');
})();
const CORRECTIONS = Math.round(READINGS * 0.01);
const DUPLICATES = Math.round(READINGS * 0.005);
/** Corrections reach back at most this far (inside the default 168-hour horizon). */
const REACH_HOURS = 160;
const HOUR_MS = 3_600_000;

/** The hours' readings that later hours correct and repeat: each one's newest version. */
class Pool {
  private readonly byHour: SimReading[][] = [];
  private state = 12345;
  private next(n: number): number {
    this.state = (Math.imul(this.state, 1103515245) + 12345) >>> 0;
    // The high bits: an LCG's low bits repeat with a short period.
    return (this.state >>> 16) % n;
  }
  add(readings: SimReading[]): void {
    // Enough of each hour to draw from without landing on the same reading often.
    this.byHour.push(readings.slice(0, CORRECTIONS + DUPLICATES));
    // Older hours keep a quarter: 168 hours of 1,000,000 readings stay a few hundred MB here.
    const older = this.byHour.length - 9;
    if (older >= 0)
      this.byHour[older] = (this.byHour[older] ?? []).slice(0, Math.ceil((CORRECTIONS + DUPLICATES) / 4));
  }
  /** `count` distinct readings of the last REACH_HOURS hours, newest versions. */
  draw(count: number): SimReading[] {
    const hours = this.byHour.slice(-REACH_HOURS);
    const size = hours.reduce((n, h) => n + h.length, 0);
    const picked = new Map<string, SimReading>();
    for (let tries = 0; size > 0 && picked.size < Math.min(count, size) && tries < count * 20; tries += 1) {
      const hour = hours[this.next(hours.length)] ?? [];
      const reading = hour[this.next(hour.length)];
      if (reading !== undefined) picked.set(reading.id, reading);
    }
    return [...picked.values()];
  }
  /** Replaces the reading's newest version (same object: the pool holds the newest). */
  correct(reading: SimReading): SimReading {
    reading.temperature = Math.round((reading.temperature + 0.5) * 1e4) / 1e4;
    return { ...reading };
  }
}

/** Writes one hour's answer; returns how many corrections and duplicates it carries. */
function writeHourBody(file: string, hour: Date, index: number, pool: Pool) {
  const fresh: SimReading[] = [];
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, '[');
  let first = true;
  const write = (readings: SimReading[]) => {
    if (readings.length === 0) return;
    fs.writeSync(fd, (first ? '' : ',') + readings.map((r) => JSON.stringify(r)).join(','));
    first = false;
  };
  const measuredAt = new Date(hour.getTime() + HOUR_MS / 2);
  for (let i = 0, call = 0; i < READINGS; i += 10_000, call += 1) {
    const part = generateReadings(1000 + index, call, Math.min(10_000, READINGS - i), measuredAt);
    if (fresh.length < CORRECTIONS + DUPLICATES) fresh.push(...part);
    write(part);
  }
  const earlier = pool.draw(CORRECTIONS + DUPLICATES);
  const duplicates = earlier.slice(0, Math.round((earlier.length * DUPLICATES) / (CORRECTIONS + DUPLICATES)));
  write(duplicates.map((r) => ({ ...r })));
  const corrections = earlier.slice(duplicates.length).map((r) => pool.correct(r));
  write(corrections);
  fs.writeSync(fd, ']');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  pool.add(fresh);
  return { corrections: corrections.length, duplicates: duplicates.length };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** Landing store bytes and requests, read and written, summed over the workers' metrics. */
async function storeTraffic(ports: number[]) {
  const total = { readBytes: 0, readRequests: 0, writeBytes: 0, writeRequests: 0 };
  /** Bytes read, by activity (`none`: outside one, such as the warm-up of the version lookup). */
  const readByActivity = new Map<string, number>();
  for (const port of ports) {
    const text = await new Promise<string>((resolve, reject) =>
      http
        .get(`http://127.0.0.1:${port}/metrics`, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve(body));
        })
        .on('error', reject),
    );
    for (const m of text.matchAll(
      /^temperature_pipeline_landing_store_(bytes|requests)_total\{([^}]*)\} (\S+)$/gm,
    )) {
      const direction = /direction="(\w+)"/.exec(m[2] ?? '')?.[1] === 'read' ? 'read' : 'write';
      const key = `${direction}${m[1] === 'bytes' ? 'Bytes' : 'Requests'}` as keyof typeof total;
      total[key] += Number(m[3]);
      if (key === 'readBytes') {
        const activity = /activity="([^"]*)"/.exec(m[2] ?? '')?.[1] ?? 'none';
        readByActivity.set(activity, (readByActivity.get(activity) ?? 0) + Number(m[3]));
      }
    }
  }
  return { ...total, readByActivity };
}

interface HourFigures {
  ms: number;
  lookup: number;
  readBytes: number;
  landedBytes: number;
  rssMb: number[];
  exact: boolean;
}

/** A process's RSS now, MB (NaN once it has exited). */
function idleRssMb(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Lands the K hours on one kind of store, printing each; returns their figures. */
async function landHours(kind: 's3' | 'folder', temporalAddress: string): Promise<HourFigures[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tp-steady-${kind}-`));
  const dbName = `tp_steady_${randomBytes(4).toString('hex')}`;
  const admin = knex({ client: 'pg', connection: PG });
  await admin.raw(`CREATE DATABASE ${dbName}`);
  const dbUrl = PG.replace(/\/[^/]*$/, `/${dbName}`);
  const db = knex({ client: 'pg', connection: dbUrl });
  const seaweed =
    kind === 's3' ? await startSeaweed({ bucket: 'steady', readyTimeoutMs: 120_000 }) : undefined;
  const partner = await partnerServer();
  const taskQueue = `steady-${randomBytes(4).toString('hex')}`;
  const ports = [await freePort(), await freePort()];
  const stores = seaweed
    ? {
        S3_ENDPOINT: seaweed.endpoint,
        S3_ACCESS_KEY_ID: seaweed.s3.credentials?.accessKeyId ?? '',
        S3_SECRET_ACCESS_KEY: seaweed.s3.credentials?.secretAccessKey.reveal() ?? '',
        LANDING_STORE_URL: `s3://${seaweed.bucket}/landing`,
        BACKUP_DIR: `s3://${seaweed.bucket}/backups`,
      }
    : { LANDING_STORE_URL: path.join(dir, 'landing'), BACKUP_DIR: path.join(dir, 'backups') };
  const env = {
    ...process.env,
    ...stores,
    DATABASE_URL: dbUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SENSOR_API_URL: partner.url,
    SENSOR_API_KEY: KEY,
    DATA_DIR: path.join(dir, 'data'),
    FETCH_MAX_LAG_HOURS: String(HOURS + 2),
  };
  const workers: ChildProcess[] = [];
  const figures: HourFigures[] = [];
  const pool = new Pool();
  try {
    for (const [i, port] of ports.entries())
      workers.push(await startWorker({ ...env, METRICS_PORT: String(port) }, i));
    console.log(
      `  workers started: RSS ${workers.map((w) => `${idleRssMb(w.pid).toFixed(0)} MB`).join(', ')}`,
    );
    const connection = await Connection.connect({ address: temporalAddress });
    const client = new Client({ connection });
    const last = truncateToHour(new Date()).getTime() - HOUR_MS;
    console.log(`\n${kind === 's3' ? 'S3 (SeaweedFS)' : 'folder store (anchor)'}: ${HOURS} hours`);
    let previous: Awaited<ReturnType<typeof storeTraffic>> | undefined;
    for (let i = 0; i < HOURS; i += 1) {
      const hour = new Date(last - (HOURS - 1 - i) * HOUR_MS);
      const body = path.join(dir, `body-${i}.json`);
      const sent = writeHourBody(body, hour, i, pool);
      partner.setBody(body);
      await settleWrites(admin);
      // Counted from the end of the hour before: what the workers read in between (the version
      // runs' background download) belongs to this hour.
      const before = previous ?? (await storeTraffic(ports));
      const t = Date.now();
      const sampler = sampleRss(workers, t);
      const outcome = await client.workflow
        .execute('hourlyImport', {
          taskQueue,
          workflowId: `steady-${kind}-${formatHour(hour)}`,
          args: [{ hour: formatHour(hour), trigger: 'manual' }],
        })
        .then(
          (summary) => ({ summary: summary as ImportSummary }),
          (error: unknown) => ({ failure: deepestMessage(error) }),
        );
      const ms = Date.now() - t;
      const peaks = sampler.stop();
      const rss = peaks.map((p) => p.mb);
      const after = await storeTraffic(ports);
      previous = after;
      fs.rmSync(body);
      const landedRows = (await db.raw(
        // Each object once: a file of corrections is recorded once per (hour, bucket) it holds.
        `SELECT coalesce((SELECT sum(bytes) FROM (SELECT DISTINCT f.object_key, f.bytes FROM landed_files f JOIN fetch_batches b USING (batch_id) WHERE b.import_hour = ?) o), 0)
              + coalesce((SELECT sum(r.bytes) FROM raw_bodies r JOIN fetch_batches b ON b.raw_key = r.object_key WHERE b.import_hour = ?), 0) AS bytes`,
        [hour, hour],
      )) as { rows: { bytes: string }[] };
      const landed = landedRows.rows[0];
      const source = 'summary' in outcome ? outcome.summary.sources[0] : undefined;
      const exact =
        source !== undefined &&
        source.duplicates === sent.duplicates &&
        source.corrections === sent.corrections &&
        source.fetched === READINGS + sent.duplicates + sent.corrections;
      const f: HourFigures = {
        ms,
        // The runs' sync and the index's probe (adapters/landing/index.ts LOOKUP_STAGES).
        lookup:
          source?.stageSeconds === undefined
            ? Number.NaN
            : (source.stageSeconds[LOOKUP_STAGES.sync] ?? 0) +
              (source.stageSeconds[LOOKUP_STAGES.probe] ?? 0),
        readBytes: after.readBytes - before.readBytes,
        landedBytes: Number(landed?.bytes ?? 0),
        rssMb: rss,
        exact,
      };
      figures.push(f);
      // Where the hour's time went, activity by activity (BENCH_DETAIL=1 also prints each one).
      const stages =
        process.env.BENCH_DETAIL === '1'
          ? await stagesOf(client, `steady-${kind}-${formatHour(hour)}`)
          : undefined;
      console.log(
        `  hour ${String(i + 1).padStart(3)} ${formatHour(hour)}  ${seconds(ms).padStart(8)}  lookup ${f.lookup.toFixed(2)} s` +
          `  read ${mb(f.readBytes)} / ${after.readRequests - before.readRequests} req` +
          `  written ${mb(after.writeBytes - before.writeBytes)} / ${after.writeRequests - before.writeRequests} req` +
          `  landed ${mb(f.landedBytes)} (read/landed ${(f.readBytes / Math.max(1, f.landedBytes)).toFixed(2)})` +
          `  RSS ${peaks.map((p) => `${p.mb.toFixed(0)} MB (anon ${p.anonMb.toFixed(0)}, file ${p.fileMb.toFixed(0)}, at ${seconds(p.at)})`).join(', ')}` +
          `  ${'failure' in outcome ? `FAILED: ${outcome.failure}` : `dup ${source?.duplicates}/${sent.duplicates} corr ${source?.corrections}/${sent.corrections} ${exact ? 'exact' : 'NOT EXACT'}`}`,
      );
      if (stages !== undefined)
        console.log(
          `    activities: ${[...stages.entries()].map(([name, st]) => `${name} ×${st.count} ${((st.last - st.first) / 1000).toFixed(2)} s`).join(', ')}`,
        );
      if (stages !== undefined) {
        const read = [...after.readByActivity]
          .map(([name, bytes]) => [name, bytes - (before.readByActivity.get(name) ?? 0)] as const)
          .filter(([, bytes]) => bytes >= 1e6);
        console.log(
          `    read by activity: ${read.map(([name, bytes]) => `${name} ${mb(bytes)}`).join(', ')}`,
        );
      }
      if (source?.stageSeconds !== undefined)
        console.log(
          `    fetch: ${Object.entries(source.stageSeconds)
            .filter(([, v]) => v >= 0.01)
            .map(([k, v]) => `${k} ${v.toFixed(2)}`)
            .join(', ')}`,
        );
    }
    await connection.close();
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    partner.close();
    await seaweed?.stop();
    await db.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

function summarize(name: string, hours: HourFigures[]): void {
  const first = hours[0];
  const lastHour = hours.at(-1);
  if (!first || !lastHour) return;
  console.log(
    `  ${name}: first hour ${seconds(first.ms)}, hour ${hours.length} ${seconds(lastHour.ms)} (${(lastHour.ms / first.ms).toFixed(2)}× the first; goal ≤ 1.2×), median ${seconds(median(hours.map((h) => h.ms)))};` +
      ` lookup median ${median(hours.map((h) => h.lookup)).toFixed(2)} s, max ${Math.max(...hours.map((h) => h.lookup)).toFixed(2)} s (goal ≤ 0.5 s);` +
      ` read/landed max ${Math.max(...hours.map((h) => h.readBytes / Math.max(1, h.landedBytes))).toFixed(2)} (goal ≤ 1.5);` +
      ` peak RSS ${Math.max(...hours.flatMap((h) => h.rssMb)).toFixed(0)} MB (goal ≤ 600); exact hours ${hours.filter((h) => h.exact).length}/${hours.length}`,
  );
}

async function main(): Promise<void> {
  console.log(
    `bench:steady  ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' ',
      )}; ${HOURS} hours of ${READINGS.toLocaleString('en-US')} readings, ${CORRECTIONS} corrections and ${DUPLICATES} duplicates each (from the second hour); 2 workers`,
  );
  const temporal = await startDevServer({});
  try {
    const s3 = STORES.includes('s3') ? await landHours('s3', temporal.address) : [];
    const folder = STORES.includes('folder') ? await landHours('folder', temporal.address) : [];
    console.log('\nsummary');
    summarize('S3 (SeaweedFS)', s3);
    summarize('folder store (anchor)', folder);
    if (s3.length > 0 && folder.length > 0) {
      const ratio = median(s3.map((h) => h.ms)) / median(folder.map((h) => h.ms));
      console.log(`  S3 / folder, median hour: ${ratio.toFixed(2)}×`);
    }
  } finally {
    await temporal.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
