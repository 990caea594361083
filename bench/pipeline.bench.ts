/**
 * `npm run bench:pipeline`: one hour of 100,000 and 1,000,000 readings (`-- --ten-million` adds
 * 10,000,000) through the real path: the Temporal dev server, BENCH_WORKERS worker processes
 * (`tempctl worker`), PostgreSQL, the landing store (a folder), and the partner API served over
 * loopback from a generated body file. Small warm-up hours run first, not measured (`warmUp`), and
 * each measured hour starts once earlier steps' writes are on disk (`settleWrites`).
 * Sizes below 10,000,000 run BENCH_REPEATS times (3) and their medians are compared (`runs`).
 * Prints per size: time per stage (from the workflow's history), end to end, readings/s, each
 * worker's peak RSS (VmHWM), which worker ran which bucket, an exactness check against PostGIS (an
 * independent computation: ST_Covers on the region polygons), and the anchors on the same body as
 * ratios: DuckDB read_json → Parquet, and the PostGIS-by-hand script (JSON → CSV, COPY,
 * ST_Subdivide, ST_Covers, GROUP BY) when PostGIS is installed. BENCH_DETAIL=1 prints each
 * activity's queue wait and run time. Needs PostgreSQL at BENCH_POSTGRES_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres).
 *
 * Beside the good 1,000,000-reading hour, an all-rejected one of the same size (issue 24: every
 * reading measured nine months before the import hour, `beyond_correction_horizon`), as often,
 * and their medians compared: time and the hour's peak RSS, as ratios (BENCH_REJECTED=0 skips it).
 *
 * `-- --parts N` measures instead an hour delivered in N pages, on 1 and on 2 workers, against the
 * same hour as one answer in the same run (`partsMain`).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import knex, { type Knex } from 'knex';
import { DuckDBInstance } from '@duckdb/node-api';
import { startDevServer } from '../adapters/temporal/devServer';
import { generateReadings } from '../sim/generator';
import { JsonArraySplitter } from '../core/jsonArray';
import { formatHour, truncateToHour } from '../core/importHour';
import type { ImportSummary } from '../workflows/summary';
import { deepestMessage } from '../core/errors';
import {
  KEY,
  median,
  partnerServer,
  peakRssMb,
  ROOT,
  sampleRss,
  seconds,
  perSecond,
  settleWrites,
  stageList,
  stagesOf,
  startWorker,
} from './harness';

const REGIONS = path.join(
  ROOT,
  'data/regions/datanova-contours-geographiques-des-nouvelles-regions-metropole.geojson',
);
const PG = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const BUCKETS = process.env.HOUR_BUCKETS ?? '8';
const BUCKET_READINGS = process.env.HOUR_BUCKET_READINGS ?? '125000';
// BENCH_SIZES (comma-separated reading counts) runs other sizes, e.g. BENCH_SIZES=1000000 while tuning.
const sizes = process.env.BENCH_SIZES
  ? process.env.BENCH_SIZES.split(',').map(Number)
  : [100_000, 1_000_000, ...(process.argv.includes('--ten-million') ? [10_000_000] : [])];

/**
 * Each size below 10,000,000 is measured BENCH_REPEATS times (3 by default), each run on an hour of
 * its own, with its anchors right after it; the medians are compared. One run moves by tens of
 * percent on this shared machine. The 10,000,000-reading hour runs once (its PostGIS anchor alone
 * takes minutes).
 */
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const REJECTED_SIZE = 1_000_000;
const runs: Run[] = sizes.flatMap((size) => {
  const of = size >= 10_000_000 ? 1 : REPEATS;
  const good = Array.from({ length: of }, (_, i) => ({ size, repeat: i + 1, of, rejected: false }));
  const bad =
    size === REJECTED_SIZE && process.env.BENCH_REJECTED !== '0'
      ? Array.from({ length: of }, (_, i) => ({ size, repeat: i + 1, of, rejected: true }))
      : [];
  return [...good, ...bad];
});
/** How long before the import hour the all-rejected hour's readings were measured. */
const REJECTED_AGE_MS = 270 * 24 * 3_600_000;

const WARM_UP_READINGS = 2_000;
/** At most this many warm-up hours. */
const WARM_UP_HOURS = 8;

/**
 * Writes `count` readings as one JSON array into `file` and, when `partFiles` are given, the same
 * readings cut into that many arrays of about equal size (the hour as a paged partner delivers it).
 */
function writeBody(
  file: string,
  count: number,
  now: Date,
  seed: number,
  partFiles: readonly string[] = [],
): void {
  const fd = fs.openSync(file, 'w');
  const parts = partFiles.map((part) => fs.openSync(part, 'w'));
  const perPart = parts.length > 0 ? Math.ceil(count / parts.length) : count;
  for (const out of [fd, ...parts]) fs.writeSync(out, '[');
  for (let i = 0, call = 0; i < count; call += 1) {
    const part = Math.floor(i / perPart);
    const end = Math.min(count, (part + 1) * perPart, i + 10_000);
    const text = generateReadings(seed, call, end - i, now)
      .map((r) => JSON.stringify(r))
      .join(',');
    fs.writeSync(fd, (i === 0 ? '' : ',') + text);
    const partFd = parts[part];
    if (partFd !== undefined) fs.writeSync(partFd, (i === part * perPart ? '' : ',') + text);
    i = end;
  }
  // On disk before the run: the partner serves finished files, not ones still being written back.
  for (const out of [fd, ...parts]) {
    fs.writeSync(out, ']');
    fs.fsyncSync(out);
    fs.closeSync(out);
  }
}

async function duckdbAnchor(body: string, dir: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const t = Date.now();
  await conn.run(
    `COPY (SELECT * FROM read_json('${body}', format = 'array', columns = {id: 'VARCHAR', timestamp: 'VARCHAR', lat: 'DOUBLE', lon: 'DOUBLE', temperature: 'DOUBLE', country: 'VARCHAR'}))
       TO '${path.join(dir, 'anchor.parquet')}' (FORMAT parquet, COMPRESSION zstd)`,
  );
  const elapsed = Date.now() - t;
  conn.closeSync();
  instance.closeSync();
  return elapsed;
}

/** The PostGIS-by-hand script; returns its time and its per-region (count, mean), or undefined without PostGIS. */
async function postgisAnchor(
  db: Knex,
  body: string,
  dir: string,
): Promise<{ ms: number; rows: Map<string, { n: number; mean: number }> } | undefined> {
  try {
    await db.raw('CREATE EXTENSION IF NOT EXISTS postgis');
  } catch (error) {
    console.log(`  PostGIS anchor skipped: ${(error as Error).message}`);
    return undefined;
  }
  const regions = JSON.parse(fs.readFileSync(REGIONS, 'utf8')) as {
    features: { properties: { new_code: string; region: string }; geometry: unknown }[];
  };
  await db.raw('DROP TABLE IF EXISTS gis_regions, gis_points, gis_parts');
  await db.raw('CREATE TABLE gis_regions (code text, name text, geom geometry)');
  for (const f of regions.features) {
    await db.raw('INSERT INTO gis_regions VALUES (?, ?, ST_SetSRID(ST_GeomFromGeoJSON(?), 4326))', [
      f.properties.new_code,
      f.properties.region,
      JSON.stringify(f.geometry),
    ]);
  }
  const t = Date.now();
  const csv = path.join(dir, 'points.csv');
  type Point = { id: string; lat: number; lon: number; temperature: number };
  const line = (r: Point) => `${r.id},${r.lon},${r.lat},${r.temperature}`;
  if (fs.statSync(body).size < 400e6) {
    const records = JSON.parse(fs.readFileSync(body, 'utf8')) as Point[];
    fs.writeFileSync(csv, records.map(line).join('\n'));
  } else {
    // Past V8's longest string (about 512 MB): the array is split into records as it streams.
    const out = fs.openSync(csv, 'w');
    let lines: string[] = [];
    const splitter = new JsonArraySplitter((_ordinal, text) => lines.push(line(JSON.parse(text) as Point)));
    for await (const chunk of fs.createReadStream(body, { highWaterMark: 1 << 22 })) {
      splitter.push(chunk as Buffer);
      fs.writeSync(out, lines.length > 0 ? `${lines.join('\n')}\n` : '');
      lines = [];
    }
    splitter.end();
    fs.writeSync(out, lines.join('\n'));
    fs.closeSync(out);
  }
  await db.raw('CREATE TABLE gis_points (id text, lon float8, lat float8, temperature float8)');
  await db.raw(`COPY gis_points FROM '${csv}' WITH (FORMAT csv)`);
  await db.raw(
    `CREATE TABLE gis_parts AS SELECT code, name, ST_Subdivide(geom, 256) AS geom FROM gis_regions`,
  );
  await db.raw('CREATE INDEX ON gis_parts USING gist (geom)');
  const result = (await db.raw(`
    SELECT name, count(*) AS n, avg(temperature) AS mean FROM (
      SELECT DISTINCT ON (p.id) p.id, r.name, p.temperature
        FROM gis_points p JOIN gis_parts r ON ST_Covers(r.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
       ORDER BY p.id, r.code) x
    GROUP BY name`)) as { rows: { name: string; n: string; mean: number }[] };
  const ms = Date.now() - t;
  await db.raw('DROP TABLE gis_points, gis_parts, gis_regions');
  return { ms, rows: new Map(result.rows.map((r) => [r.name, { n: Number(r.n), mean: r.mean }])) };
}

/**
 * Small hours, not measured, before the measured ones: a worker's first hour also pays for loading
 * its workflow code, its HTTP client, DuckDB's first queries and the region index's first calls
 * (0.2 to 1.5 s in all), which a worker running hour after hour pays once. Hours are run until every
 * worker has run a workflow task, a fetch and a bucket (which worker takes a task is the server's choice).
 */
async function warmUp(
  client: Client,
  taskQueue: string,
  partner: { setBody(file: string): void },
  dir: string,
  workers: ChildProcess[],
  firstHour: Date,
): Promise<void> {
  const cold = new Set(workers.map((w) => String(w.pid)));
  const t = Date.now();
  let hours = 0;
  for (; hours < WARM_UP_HOURS && cold.size > 0; hours += 1) {
    const hour = formatHour(new Date(firstHour.getTime() - hours * 3_600_000));
    const body = path.join(dir, `body-warm-up-${hours}.json`);
    writeBody(body, WARM_UP_READINGS, new Date(), 7 + hours);
    partner.setBody(body);
    const workflowId = `bench-warm-up-${hour}`;
    await client.workflow.execute('hourlyImport', {
      taskQueue,
      workflowId,
      args: [{ hour, trigger: 'manual' }],
    });
    fs.rmSync(body);
    const ranWorkflow = new Set<string>();
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    for (const event of history.events ?? []) {
      const identity = event.workflowTaskStartedEventAttributes?.identity;
      if (identity) ranWorkflow.add(identity.replace(/@.*/, ''));
    }
    const stages = await stagesOf(client, workflowId);
    const ran = (type: string, pid: string) =>
      [...(stages.get(type)?.byWorker.keys() ?? [])].some((w) => w.replace(/@.*/, '') === pid);
    // A small hour is one bucket (HOUR_BUCKET_READINGS): its fetch (or, in parts, its landPart)
    // and its bucket may run on different workers, and each worker needs both once.
    for (const pid of [...cold])
      if (
        ranWorkflow.has(pid) &&
        (ran('fetchSource', pid) || ran('landPart', pid)) &&
        ran('aggregateBucket', pid)
      )
        cold.delete(pid);
  }
  console.log(
    `warm-up: ${hours} hour(s) of ${WARM_UP_READINGS.toLocaleString('en-US')} readings in ${seconds(Date.now() - t)} (not measured)${cold.size > 0 ? `; worker(s) ${[...cold].join(', ')} still cold` : ''}`,
  );
}

/** One measured run: `repeat` of `of` for its size. */
interface Run {
  size: number;
  repeat: number;
  of: number;
  /** Every reading measured long before the hour: the whole hour is quarantined. */
  rejected: boolean;
}

/**
 * Imports `at.hour` on the workers, sampling their RSS, and prints under `title` its time end to
 * end, each activity type's span (from the workflow's history) and who ran it, the fetch stages
 * and each worker's peak RSS. An hour that fails (all rejected: CHECK_NO_VALID_READINGS=fail) is
 * printed with its message.
 */
async function runHour(
  at: {
    partner: { calls(): number };
    workers: ChildProcess[];
    taskQueue: string;
    client: Client;
    hour: Date;
    workflowId?: string;
  },
  title: string,
  size: number,
): Promise<{ outcome: { summary: ImportSummary } | { failure: string }; total: number; rssMb: number }> {
  const { client, workers, partner, hour } = at;
  const callsBefore = partner.calls();
  const workflowId = at.workflowId ?? `bench-${formatHour(hour)}`;
  const t = Date.now();
  const sampler = sampleRss(workers, t);
  const outcome = await client.workflow
    .execute('hourlyImport', {
      taskQueue: at.taskQueue,
      workflowId,
      args: [{ hour: formatHour(hour), trigger: 'manual' }],
    })
    .then(
      (summary) => ({ summary: summary as ImportSummary }),
      (error: unknown) => ({ failure: deepestMessage(error) }),
    );
  const total = Date.now() - t;
  const sampled = sampler.stop();
  const rssMb = Math.max(...sampled.map((p) => p.mb));
  console.log(`\n${title}`);
  if ('failure' in outcome) console.log(`  failed          ${outcome.failure}`);
  console.log(
    `  end to end      ${seconds(total)}  ${perSecond(size, total)}  partner calls: ${partner.calls() - callsBefore}`,
  );
  for (const [type, stage] of await stagesOf(client, workflowId)) {
    const who = [...stage.byWorker.entries()].map(([w, n]) => `${w.replace(/@.*/, '')}×${n}`).join(', ');
    console.log(
      `  ${type.padEnd(16)}${seconds(stage.last - stage.first).padStart(8)}  ×${stage.count}  (${who})  from +${seconds(stage.first - t)}`,
    );
  }
  for (const source of 'summary' in outcome ? outcome.summary.sources : []) {
    console.log(`  fetch stages    ${stageList(source.stageSeconds)}`);
  }
  console.log(
    `  peak RSS        ${workers.map((w, i) => `worker ${i} (pid ${w.pid}) ${peakRssMb(w.pid).toFixed(0)} MB`).join(', ')}`,
  );
  console.log(
    `  RSS this hour   ${sampled.map((p, i) => `worker ${i} ${p.mb.toFixed(0)} MB at +${seconds(p.at)}`).join(', ')} (sampled every 20 ms)`,
  );
  return { outcome, total, rssMb };
}

/** Runs one measured hour and its anchors, prints them; returns its end-to-end time and PostGIS's (ms). */
async function measureHour(at: {
  admin: Knex;
  db: Knex;
  dir: string;
  partner: { setBody(file: string): void; calls(): number };
  workers: ChildProcess[];
  taskQueue: string;
  client: Client;
  hour: Date;
  run: Run;
  seed: number;
}): Promise<{ total: number; gisMs?: number; rssMb: number }> {
  const { partner, run, hour, dir } = at;
  const size = run.size;
  const body = path.join(dir, `body-${size}-${run.repeat}${run.rejected ? '-rejected' : ''}.json`);
  writeBody(body, size, new Date(Date.now() - (run.rejected ? REJECTED_AGE_MS : 0)), at.seed);
  partner.setBody(body);
  await settleWrites(at.admin);
  const { outcome, total, rssMb } = await runHour(
    at,
    `${size.toLocaleString('en-US')} readings${run.rejected ? ', every one rejected,' : ''} (${(fs.statSync(body).size / 1e6).toFixed(0)} MB body), hour ${formatHour(hour)}${run.of > 1 ? `, run ${run.repeat} of ${run.of}` : ''}`,
    size,
  );
  // BENCH_ANCHORS=0 skips the anchors (and the exactness check) while tuning.
  if (process.env.BENCH_ANCHORS === '0' || !('summary' in outcome)) {
    fs.rmSync(body);
    return { total, rssMb };
  }
  const summary = outcome.summary;
  const duck = await duckdbAnchor(body, dir);
  console.log(
    `  anchor DuckDB read_json → zstd Parquet: ${seconds(duck)} (pipeline end to end = ${(total / duck).toFixed(1)}× that)`,
  );
  const gis = await postgisAnchor(at.db, body, dir);
  if (gis) {
    console.log(
      `  anchor PostGIS by hand: ${seconds(gis.ms)}, ${perSecond(size, gis.ms)} (pipeline is ${(gis.ms / total).toFixed(1)}× faster)`,
    );
    let worst = 0;
    let countsEqual = summary.regions.length === gis.rows.size;
    for (const row of summary.regions) {
      const other = gis.rows.get(row.region);
      if (!other || other.n !== row.numberOfPoints) countsEqual = false;
      if (other) worst = Math.max(worst, Math.abs(other.mean - row.temperature));
    }
    console.log(
      `  exactness vs PostGIS: ${summary.regions.length} regions, counts ${countsEqual ? 'all equal' : 'DIFFER'}, largest mean difference ${worst.toExponential(2)} °C`,
    );
  }
  fs.rmSync(body);
  return { total, gisMs: gis?.ms, rssMb };
}

/** The workers' settings: this run's database, Temporal, task queue, partner and folders under `dir`. */
function benchEnv(at: {
  dbUrl: string;
  temporalAddress: string;
  taskQueue: string;
  partnerUrl: string;
  dir: string;
  /** The largest hour's readings, for the answer's size cap. */
  largest: number;
  /** Measured hours, for how old an hour may be and still be fetched. */
  hours: number;
}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: at.dbUrl,
    TEMPORAL_ADDRESS: at.temporalAddress,
    TEMPORAL_TASK_QUEUE: at.taskQueue,
    SENSOR_API_URL: at.partnerUrl,
    SENSOR_API_KEY: KEY,
    LANDING_STORE_URL: path.join(at.dir, 'landing'),
    BACKUP_DIR: path.join(at.dir, 'backups'),
    DATA_DIR: path.join(at.dir, 'data'),
    HOUR_BUCKETS: BUCKETS,
    HOUR_BUCKET_READINGS: BUCKET_READINGS,
    // A 10,000,000-reading answer is about 1.5 GB: over the default cap (256 MiB, sized for 1,000,000).
    SENSOR_API_MAX_BYTES: String(Math.max(256 << 20, at.largest * 200)),
    FETCH_MAX_LAG_HOURS: String(at.hours + WARM_UP_HOURS + 1),
  };
}

function header(): string {
  const load = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  return `bench:pipeline  ${os.cpus().length} cores, load ${load}; HOUR_BUCKETS=${BUCKETS}, HOUR_BUCKET_READINGS=${BUCKET_READINGS}`;
}

/** A database of its own, dropped by `drop`. */
async function benchDatabase(admin: Knex): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tp_bench_${randomBytes(4).toString('hex')}`;
  await admin.raw(`CREATE DATABASE ${name}`);
  return {
    url: PG.replace(/\/[^/]*$/, `/${name}`),
    drop: async () => void (await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/**
 * `-- --parts N`: the same hour (10,000,000 readings; BENCH_SIZES=n for another size) as one
 * answer on BENCH_WORKERS workers (the anchor), then delivered in N numbered pages
 * (SENSOR_API_PAGING=page, each page landed by its own activity) on 1 and on 2 workers, each run
 * on a database and a landing store of its own; prints each run (`runHour`), the speed-up from 1 to
 * 2 workers, the parts against the one answer, and whether their aggregates are equal.
 */
async function partsMain(parts: number): Promise<void> {
  const size = process.env.BENCH_SIZES ? Number(process.env.BENCH_SIZES.split(',')[0]) : 10_000_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-parts-'));
  const admin = knex({ client: 'pg', connection: PG });
  const temporal = await startDevServer({});
  const partner = await partnerServer();
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  console.log(`${header()}; ${size.toLocaleString('en-US')} readings, ${parts} parts`);
  const now = new Date();
  const hour = truncateToHour(now);
  const body = path.join(dir, 'body.json');
  const partFiles = Array.from({ length: parts }, (_, i) => path.join(dir, `part-${i + 1}.json`));
  const t = Date.now();
  writeBody(body, size, now, 11, partFiles);
  console.log(
    `body and ${parts} parts written in ${seconds(Date.now() - t)} (${(fs.statSync(body).size / 1e6).toFixed(0)} MB)`,
  );
  const runsOf = [
    { label: 'one answer', workers: WORKERS, paged: false },
    { label: `${parts} parts`, workers: 1, paged: true },
    { label: `${parts} parts`, workers: 2, paged: true },
  ];
  const results: { label: string; workers: number; total: number; summary?: ImportSummary }[] = [];
  try {
    for (const [index, run] of runsOf.entries()) {
      const database = await benchDatabase(admin);
      const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
      const env = {
        ...benchEnv({
          dbUrl: database.url,
          temporalAddress: temporal.address,
          taskQueue,
          partnerUrl: partner.url,
          dir: path.join(dir, `run-${index}`),
          largest: size,
          hours: 1,
        }),
        ...(run.paged
          ? { SENSOR_API_PAGING: 'page', SENSOR_API_PAGE_SIZE: String(Math.ceil(size / parts)) }
          : {}),
      };
      const workers: ChildProcess[] = [];
      try {
        for (let i = 0; i < run.workers; i += 1) workers.push(await startWorker(env, i));
        await warmUp(client, taskQueue, partner, dir, workers, new Date(hour.getTime() - 3_600_000));
        if (run.paged) partner.setParts(partFiles);
        else partner.setBody(body);
        await settleWrites(admin);
        const measured = await runHour(
          { partner, workers, taskQueue, client, hour, workflowId: `bench-${index}-${formatHour(hour)}` },
          `${size.toLocaleString('en-US')} readings as ${run.label}, ${run.workers} worker(s), hour ${formatHour(hour)}`,
          size,
        );
        results.push({
          ...run,
          total: measured.total,
          ...('summary' in measured.outcome ? { summary: measured.outcome.summary } : {}),
        });
      } finally {
        for (const worker of workers) worker.kill('SIGTERM');
        await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
        await database.drop();
      }
    }
    const [anchor, one, two] = results;
    if (anchor && one && two) {
      console.log(
        `\n${parts} parts: 1 worker ${seconds(one.total)}, 2 workers ${seconds(two.total)}: speed-up ${(one.total / two.total).toFixed(2)}×; one answer on ${anchor.workers} worker(s) ${seconds(anchor.total)} (parts on 2 workers = ${(two.total / anchor.total).toFixed(2)}× that)`,
      );
      for (const run of [one, two])
        console.log(
          `  ${run.label}, ${run.workers} worker(s): ${sameAggregates(anchor.summary, run.summary)}`,
        );
    }
  } finally {
    partner.close();
    await connection.close();
    await temporal.stop();
    await admin.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether two runs of the same hour stored the same aggregates (counts equal, means to 1e-9 °C). */
function sameAggregates(a: ImportSummary | undefined, b: ImportSummary | undefined): string {
  if (!a || !b) return 'a run failed: aggregates not compared';
  const other = new Map(b.regions.map((row) => [row.region, row]));
  let worst = 0;
  let countsEqual = a.regions.length === b.regions.length;
  for (const row of a.regions) {
    const twin = other.get(row.region);
    if (!twin || twin.numberOfPoints !== row.numberOfPoints) countsEqual = false;
    if (twin) worst = Math.max(worst, Math.abs(twin.temperature - row.temperature));
  }
  return `aggregates vs the one answer: ${a.regions.length} regions, counts ${countsEqual ? 'all equal' : 'DIFFER'}, largest mean difference ${worst.toExponential(2)} °C`;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-'));
  fs.chmodSync(dir, 0o755); // PostgreSQL (another user) reads the COPY file from here
  const admin = knex({ client: 'pg', connection: PG });
  const database = await benchDatabase(admin);
  const dbUrl = database.url;
  const db = knex({ client: 'pg', connection: dbUrl });
  const temporal = await startDevServer({});
  const partner = await partnerServer();
  const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
  const env = benchEnv({
    dbUrl,
    temporalAddress: temporal.address,
    taskQueue,
    partnerUrl: partner.url,
    dir,
    largest: Math.max(...sizes),
    hours: runs.length,
  });
  const workers: ChildProcess[] = [];
  console.log(`${header()}; ${WORKERS} worker(s)`);
  try {
    for (let i = 0; i < WORKERS; i += 1) workers.push(await startWorker(env, i));
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    const now = new Date();
    await warmUp(
      client,
      taskQueue,
      partner,
      dir,
      workers,
      new Date(truncateToHour(now).getTime() - runs.length * 3_600_000),
    );
    const totals = new Map<number, number[]>();
    const gisRatios = new Map<number, number[]>();
    const byKind = {
      good: { ms: [] as number[], mb: [] as number[] },
      rejected: { ms: [] as number[], mb: [] as number[] },
    };
    for (const [index, run] of runs.entries()) {
      const hour = new Date(truncateToHour(now).getTime() - index * 3_600_000);
      const measured = await measureHour({
        admin,
        db,
        dir,
        partner,
        workers,
        taskQueue,
        client,
        hour,
        run,
        seed: 11 + index,
      });
      if (run.size === REJECTED_SIZE) {
        const kind = byKind[run.rejected ? 'rejected' : 'good'];
        kind.ms.push(measured.total);
        kind.mb.push(measured.rssMb);
      }
      if (run.rejected) continue;
      totals.set(run.size, [...(totals.get(run.size) ?? []), measured.total]);
      if (measured.gisMs !== undefined)
        gisRatios.set(run.size, [...(gisRatios.get(run.size) ?? []), measured.gisMs / measured.total]);
      if (run.repeat === run.of && run.of > 1) {
        const all = totals.get(run.size) ?? [];
        const ratios = gisRatios.get(run.size);
        console.log(
          `\n${run.size.toLocaleString('en-US')} readings, median of ${run.of} runs: end to end ${seconds(median(all))} (${all.map(seconds).join(', ')})${ratios ? `; PostGIS by hand / pipeline ${median(ratios).toFixed(1)}× (${ratios.map((r) => `${r.toFixed(1)}×`).join(', ')})` : ''}`,
        );
      }
    }
    if (byKind.rejected.ms.length > 0 && byKind.good.ms.length > 0) {
      const [good, bad] = [byKind.good, byKind.rejected];
      console.log(
        `\n1,000,000 readings all rejected / good (medians of ${bad.ms.length}): time ${seconds(median(bad.ms))} / ${seconds(median(good.ms))} = ${(median(bad.ms) / median(good.ms)).toFixed(2)}×; peak RSS of the hour ${median(bad.mb).toFixed(0)} MB / ${median(good.mb).toFixed(0)} MB = ${(median(bad.mb) / median(good.mb)).toFixed(2)}× (goal: at most 1.5× each)`,
      );
    }
    const million = totals.get(1_000_000);
    const tenMillion = totals.get(10_000_000);
    if (million && tenMillion)
      console.log(
        `\n10,000,000 / 1,000,000 readings: ${seconds(median(tenMillion))} / ${seconds(median(million))} (median) = ${(median(tenMillion) / median(million)).toFixed(1)}×`,
      );
    await connection.close();
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    partner.close();
    await temporal.stop();
    await db.destroy();
    await database.drop();
    await admin.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const partsAt = process.argv.indexOf('--parts');
(partsAt >= 0 ? partsMain(Number(process.argv[partsAt + 1] ?? 20)) : main()).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
