/**
 * `npm run bench:backfill`: what a backfill costs Temporal, on a week of hours (BENCH_HOURS, 168).
 * The real path: the Temporal dev server, BENCH_WORKERS `tempctl worker` processes (2), PostgreSQL,
 * a folder landing store and the sensor simulator over loopback HTTP (BENCH_READINGS readings an
 * hour, 300: small on purpose, the point is the orchestration). The hours are first landed by
 * ordinary imports, BENCH_CONCURRENCY at a time (4); their aggregates are deleted; then
 * `tempctl backfill --only all` (the CLI, as an operator runs it) brings them back through
 * `backfillWindow`, continuing as new every BENCH_HOURS_PER_RUN hours (100).
 *
 * Prints, read from the workflows' own histories: wall time and hours a second; how many hours ran
 * at once (from each child's start and close); per hour, its events, history bytes and activities;
 * per run of the window, events and bytes; and the Temporal actions the backfill took (workflow and
 * child starts, continue-as-new runs, activity attempts, timers, markers, signals) per hour, against
 * Temporal Cloud's default limit of 500 actions a second per namespace. The anchor is the same hours
 * landed by imports in the same run, whose own histories it measures too (HOUR_BUCKETS and
 * HOUR_BUCKET_READINGS, passed to the workers, set their buckets). Needs PostgreSQL at
 * BENCH_POSTGRES_URL (bench/services.ts).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import { tsToMs } from '@temporalio/common/lib/time';
import pLimit from 'p-limit';
import { openBenchServices } from './services';
import { runImport, backfillWorkflowId } from '../client';
import { addHours, formatHour, truncateToHour, workflowIdForHour } from '../core/importHour';
import { startSimulator } from '../sim/server';
import { historySize } from '../test/support/history';
import { whenWorkerRunning } from '../test/support/workerProcess';
import { WORKER_NODE_FLAGS } from '../worker/nodeFlags';

const ROOT = path.resolve(__dirname, '..');
const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const HOURS = setting('BENCH_HOURS', 168);
const WORKERS = setting('BENCH_WORKERS', 2);
const CONCURRENCY = setting('BENCH_CONCURRENCY', 4);
const HOURS_PER_RUN = setting('BENCH_HOURS_PER_RUN', 100);
const READINGS = setting('BENCH_READINGS', 300);
/** Temporal Cloud's default rate limit per namespace (docs.temporal.io/cloud/limits). */
const CLOUD_ACTIONS_PER_SECOND = 500;
const KEY = 'bench-key';

const uptime = () => execFileSync('uptime').toString().trim();
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return `min ${at(0)}, median ${at(0.5)}, max ${at(1)}`;
};

interface Actions {
  /** Workflow runs started: by a client, as a child, by continue-as-new. */
  starts: number;
  /** Activity attempts: each retry is an action too. */
  activityAttempts: number;
  /** Timers, markers (patches, side effects) and signals. */
  other: number;
}

/** The actions Temporal Cloud bills that a run's history shows (heartbeats and queries it does not). */
function actionsIn(history: History): Actions {
  const actions: Actions = { starts: 0, activityAttempts: 0, other: 0 };
  for (const e of history.events ?? []) {
    if (e.workflowExecutionStartedEventAttributes) actions.starts += 1;
    actions.activityAttempts += e.activityTaskStartedEventAttributes?.attempt ?? 0;
    if (e.timerStartedEventAttributes || e.markerRecordedEventAttributes) actions.other += 1;
    if (e.workflowExecutionSignaledEventAttributes) actions.other += 1;
  }
  return actions;
}

const sumActions = (all: Actions[]): Actions & { total: number } => {
  const sum = (key: keyof Actions) => all.reduce((n, a) => n + a[key], 0);
  const [starts, activityAttempts, other] = [sum('starts'), sum('activityAttempts'), sum('other')];
  return { starts, activityAttempts, other, total: starts + activityAttempts + other };
};

/** The most hours whose import ran at once, from each one's start and close (ms). */
function mostAtOnce(spans: { start: number; end: number }[]): number {
  const edges = spans.flatMap((span) => [
    { at: span.start, d: 1 },
    { at: span.end, d: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let now = 0;
  let most = 0;
  for (const edge of edges) most = Math.max(most, (now += edge.d));
  return most;
}

/** Every run of the window, first to last: back from the latest along each run's predecessor. */
async function chainOf(client: Client, workflowId: string): Promise<History[]> {
  const runs: History[] = [];
  for (let runId: string | undefined = undefined; ;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift(history);
    runId =
      history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) return runs;
  }
}

function tempctl(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const cli = spawn(process.execPath, [path.join(ROOT, 'bin/tempctl.js'), ...args], { env });
    let out = '';
    cli.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    cli.stderr.pipe(process.stderr);
    cli.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`tempctl ${code}: ${out}`))));
  });
}

async function main(): Promise<void> {
  console.log(`bench:backfill  ${os.cpus().length} cores; ${uptime()}`);
  console.log(
    `${HOURS} hours of ${READINGS} readings, ${WORKERS} worker(s), concurrency ${CONCURRENCY}, ${HOURS_PER_RUN} hours a run`,
  );
  const services = await openBenchServices('bench-backfill');
  const { dir, dbUrl, db, temporal } = services;
  const simulator = await startSimulator({ seed: 3, apiKey: KEY, readingsPerCall: READINGS });
  const taskQueue = `bench-${randomBytes(4).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_OPTIONS: '',
    DATABASE_URL: dbUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SENSOR_API_URL: simulator.url,
    SENSOR_API_KEY: KEY,
    LANDING_STORE_URL: path.join(dir, 'landing'),
    BACKUP_DIR: path.join(dir, 'backups'),
    FETCH_MAX_LAG_HOURS: String(HOURS + 4),
  };
  const workers: ChildProcess[] = [];
  try {
    for (let i = 0; i < WORKERS; i += 1) {
      const worker = spawn(
        process.execPath,
        [...WORKER_NODE_FLAGS, path.join(ROOT, 'bin/tempctl.js'), 'worker'],
        {
          env: { ...env, DATA_DIR: path.join(dir, `data-${i}`) },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      workers.push(await whenWorkerRunning(worker, (code) => new Error(`worker ${i} exited with ${code}`)));
    }
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    const config = { temporal: { address: temporal.address, namespace: 'default', taskQueue } };
    const to = addHours(truncateToHour(new Date()), -2);
    const from = addHours(to, -(HOURS - 1));
    const hours = Array.from({ length: HOURS }, (_, i) => addHours(from, i));

    const landing = Date.now();
    const limit = pLimit(CONCURRENCY);
    await Promise.all(hours.map((hour) => limit(() => runImport(client, config, hour))));
    const landed = Date.now() - landing;
    console.log(
      `anchor, the same hours landed by imports (${CONCURRENCY} at a time): ${s(landed)}, ${(HOURS / (landed / 1000)).toFixed(2)} hours/s`,
    );

    // The imports' own cost, before the backfill's runs of the same ids replace them as the latest.
    const imported = await Promise.all(
      hours.map((hour) => client.workflow.getHandle(workflowIdForHour(hour)).fetchHistory()),
    );
    const importedSizes = imported.map(historySize);
    const importedActions = sumActions(imported.map(actionsIn));
    console.log(
      `  one imported hour: events ${stats(importedSizes.map((x) => x.events))}; bytes ${stats(importedSizes.map((x) => x.bytes))}; activities ${stats(importedSizes.map((x) => x.activities))}; actions ${(importedActions.total / HOURS).toFixed(2)} an hour (HOUR_BUCKETS=${process.env.HOUR_BUCKETS ?? 'default'}, HOUR_BUCKET_READINGS=${process.env.HOUR_BUCKET_READINGS ?? 'default'})`,
    );

    await db('region_hourly_temperature').whereBetween('hour', [from, to]).delete();
    const calls = simulator.calls;
    const started = Date.now();
    const out = await tempctl(
      [
        'backfill',
        ...['--from', formatHour(from), '--to', formatHour(to), '--only', 'all'],
        ...['--concurrency', String(CONCURRENCY), '--hours-per-run', String(HOURS_PER_RUN)],
      ],
      env,
    );
    const wall = Date.now() - started;
    const lines = out.trim().split('\n');
    console.log(
      `tempctl backfill: ${s(wall)} wall (CLI start included), ${(HOURS / (wall / 1000)).toFixed(2)} hours/s`,
    );
    console.log(`  its output: ${lines[0]} … ${lines.slice(-2).join(' / ')}`);
    console.log(`  partner calls during the backfill: ${simulator.calls - calls}`);

    const workflowId = backfillWorkflowId({ from, to, only: 'all' });
    const runs = await chainOf(client, workflowId);
    const runSizes = runs.map(historySize);
    const span = (h: History) => {
      const events = h.events ?? [];
      return { start: tsToMs(events[0]?.eventTime), end: tsToMs(events[events.length - 1]?.eventTime) };
    };
    const windowMs = span(runs[runs.length - 1]!).end - span(runs[0]!).start;
    console.log(
      `backfillWindow: ${runs.length} run(s), ${s(windowMs)} from its start to its end, ${(HOURS / (windowMs / 1000)).toFixed(2)} hours/s`,
    );
    console.log(
      `  per run: ${runSizes.map((r) => `${r.events} events / ${r.bytes} B`).join(', ')}; ${(runSizes.reduce((a, r) => a + r.bytes, 0) / HOURS).toFixed(0)} B and ${(runSizes.reduce((a, r) => a + r.events, 0) / HOURS).toFixed(1)} events an hour`,
    );

    const children = await Promise.all(
      hours.map((hour) => client.workflow.getHandle(workflowIdForHour(hour)).fetchHistory()),
    );
    const sizes = children.map(historySize);
    const spans = children.map(span);
    const busy = spans.reduce((sum, sp) => sum + (sp.end - sp.start), 0);
    console.log(
      `hours at once: at most ${mostAtOnce(spans)} (asked ${CONCURRENCY}), on average ${(busy / windowMs).toFixed(2)}; one hour's import ${stats(spans.map((sp) => Math.round(sp.end - sp.start)))} ms`,
    );
    console.log(
      `one recomputed hour: events ${stats(sizes.map((x) => x.events))}; bytes ${stats(sizes.map((x) => x.bytes))}; activities ${stats(sizes.map((x) => x.activities))}`,
    );

    const hourly = sumActions(children.map(actionsIn));
    const window = sumActions(runs.map(actionsIn));
    const total = hourly.total + window.total;
    const perHour = (n: number) => (n / HOURS).toFixed(2);
    console.log(
      `Temporal actions in the histories: ${total}, ${perHour(total)} an hour (the hours' own: ${perHour(hourly.starts)} start, ${perHour(hourly.activityAttempts)} activity attempts, ${perHour(hourly.other)} markers/timers/signals; the window's: ${window.starts} run starts, ${window.activityAttempts} activity attempts, ${window.other} other), ${(total / (windowMs / 1000)).toFixed(1)} a second here`,
    );
    console.log(
      `  not in the histories: heartbeats (at most one per long activity every few seconds) and the CLI's progress query, one a second (about ${Math.round(wall / 1000)} here)`,
    );
    console.log(
      `  at ${(total / HOURS).toFixed(1)} actions an hour, Temporal Cloud's default ${CLOUD_ACTIONS_PER_SECOND} actions/s per namespace allows ${(CLOUD_ACTIONS_PER_SECOND / (total / HOURS)).toFixed(0)} hours a second`,
    );
    console.log(uptime());
    await connection.close();
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    await simulator.close();
    await services.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
