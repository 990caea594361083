/**
 * What the benchmarks share (bench/pipeline.bench.ts, bench/steady.bench.ts): a partner serving a
 * body file over loopback, worker processes (`tempctl worker`) and their RSS, the stages of an
 * hour from its workflow history, and settling the disk between hours.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { whenWorkerRunning } from '../test/support/workerProcess';
import { WORKER_NODE_FLAGS } from '../worker/nodeFlags';

export const ROOT = path.resolve(__dirname, '..');
/** The partner's API key in the benchmarks. */
export const KEY = 'bench-key';
// BENCH_NODE_FLAGS (space-separated; empty for none) starts the workers with other V8 flags than
// a deployed worker's (worker/nodeFlags.ts), to measure what those flags change.
const NODE_FLAGS =
  process.env.BENCH_NODE_FLAGS === undefined
    ? WORKER_NODE_FLAGS
    : process.env.BENCH_NODE_FLAGS.split(' ').filter((flag) => flag !== '');

/**
 * The partner over loopback: the body file set, or, once `setParts` is given files, numbered pages
 * (`?page=k`, SENSOR_API_PAGING=page), page k being the k-th file, with `X-Page`, `X-Total-Pages`
 * and a next link; a paged client asking for a body that is not cut gets it as page 1 of 1.
 */
export function partnerServer(): Promise<{
  url: string;
  setBody(file: string): void;
  setParts(files: readonly string[]): void;
  calls: () => number;
  close(): void;
}> {
  let body = '';
  let parts: readonly string[] = [];
  let calls = 0;
  const server = http.createServer((req, res) => {
    if (req.headers['x-api-key'] !== KEY) return void res.writeHead(401).end();
    calls += 1;
    const url = new URL(req.url ?? '/', 'http://partner');
    const page = Number(url.searchParams.get('page') ?? 1);
    const file = parts.length > 0 ? parts[page - 1] : body;
    if (file === undefined) return void res.writeHead(404).end();
    const total = Math.max(1, parts.length);
    const paging = url.searchParams.has('page')
      ? {
          'x-page': String(page),
          'x-total-pages': String(total),
          ...(page < total ? { link: `</readings?page=${page + 1}>; rel="next"` } : {}),
        }
      : {};
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': fs.statSync(file).size,
      ...paging,
    });
    fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${port}/readings`,
        setBody: (f) => {
          body = f;
          parts = [];
        },
        setParts: (files) => (parts = files),
        calls: () => calls,
        close: () => server.close(),
      });
    }),
  );
}

export function peakRssMb(pid: number | undefined): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return Number.NaN;
  }
}

export async function startWorker(env: NodeJS.ProcessEnv, index: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...NODE_FLAGS, path.join(ROOT, 'bin/tempctl.js'), 'worker'], {
    env: { ...env, BENCH_WORKER: String(index) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return whenWorkerRunning(child, (code) => new Error(`worker ${index} exited with ${code}`));
}

/**
 * Samples each worker's RSS every 20 ms; `stop` gives each one's largest sample, when it was, and
 * its split at that moment: anonymous memory (heaps, DuckDB's buffers, filters) and file-backed
 * pages (the mapped binaries and native modules), from /proc/<pid>/status.
 */
export function sampleRss(
  workers: ChildProcess[],
  start: number,
): { stop(): { mb: number; at: number; anonMb: number; fileMb: number }[] } {
  const peaks = workers.map(() => ({ mb: 0, at: 0, anonMb: 0, fileMb: 0 }));
  const kb = (status: string, field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  const timer = setInterval(() => {
    workers.forEach((worker, i) => {
      try {
        const status = fs.readFileSync(`/proc/${worker.pid}/status`, 'utf8');
        const mb = kb(status, 'VmRSS');
        const peak = peaks[i];
        if (peak && mb > peak.mb)
          Object.assign(peak, {
            mb,
            at: Date.now() - start,
            anonMb: kb(status, 'RssAnon'),
            fileMb: kb(status, 'RssFile') + kb(status, 'RssShmem'),
          });
      } catch {
        // The worker has exited: its last samples stand.
      }
    });
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return peaks;
    },
  };
}

export interface Stage {
  first: number;
  last: number;
  count: number;
  byWorker: Map<string, number>;
}

export async function stagesOf(client: Client, workflowId: string): Promise<Map<string, Stage>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, { type: string; at: number }>();
  const started = new Map<string, string>();
  const startedAt = new Map<string, number>();
  const stages = new Map<string, Stage>();
  const ms = (t: unknown) => {
    const time = t as { seconds?: { toNumber(): number } | number; nanos?: number } | null | undefined;
    const s = typeof time?.seconds === 'number' ? time.seconds : (time?.seconds?.toNumber() ?? 0);
    return s * 1000 + (time?.nanos ?? 0) / 1e6;
  };
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    if (event.activityTaskScheduledEventAttributes) {
      scheduled.set(id, {
        type: event.activityTaskScheduledEventAttributes.activityType?.name ?? '?',
        at: ms(event.eventTime),
      });
    }
    if (event.activityTaskStartedEventAttributes) {
      startedAt.set(String(event.activityTaskStartedEventAttributes.scheduledEventId), ms(event.eventTime));
      started.set(
        String(event.activityTaskStartedEventAttributes.scheduledEventId),
        event.activityTaskStartedEventAttributes.identity ?? '?',
      );
    }
    const done = event.activityTaskCompletedEventAttributes;
    if (done) {
      const from = scheduled.get(String(done.scheduledEventId));
      if (!from) continue;
      const stage = stages.get(from.type) ?? { first: from.at, last: 0, count: 0, byWorker: new Map() };
      stage.first = Math.min(stage.first, from.at);
      stage.last = Math.max(stage.last, ms(event.eventTime));
      stage.count += 1;
      const who = started.get(String(done.scheduledEventId)) ?? '?';
      stage.byWorker.set(who, (stage.byWorker.get(who) ?? 0) + 1);
      stages.set(from.type, stage);
      if (process.env.BENCH_DETAIL === '1') {
        const begun = startedAt.get(String(done.scheduledEventId)) ?? Number.NaN;
        console.log(
          `    ${from.type} waited ${((begun - from.at) / 1000).toFixed(2)} s, ran ${((ms(event.eventTime) - begun) / 1000).toFixed(2)} s${ownStages(done.result?.payloads?.[0]?.data)}`,
        );
      }
    }
  }
  return stages;
}

/** Stage timings as `stage 0.00, …`, leaving out those under `minSeconds`. */
export function stageList(stageSeconds: Record<string, number> | undefined, minSeconds = 0): string {
  return Object.entries(stageSeconds ?? {})
    .filter(([, v]) => v >= minSeconds)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');
}

/** An activity's own stage timings (`stageSeconds` in its JSON result), as text; '' when none. */
export function ownStages(data: Uint8Array | null | undefined): string {
  if (!data) return '';
  try {
    const result = JSON.parse(Buffer.from(data).toString('utf8')) as {
      stageSeconds?: Record<string, number>;
    };
    const stages = stageList(result.stageSeconds, 0.01);
    return stages === '' ? '' : ` (${stages})`;
  } catch {
    return '';
  }
}

/**
 * Writes out what earlier steps left to write before a measured hour starts: PostgreSQL's dirty
 * buffers (CHECKPOINT; the previous size's PostGIS anchor leaves hundreds of MB of them for the
 * checkpointer) and the kernel's dirty pages (sync). Otherwise they are written during the hour
 * (a 10,000,000-reading hour after the 1,000,000 one's anchors: download 8.2–10.1 s against 6.4–6.9 s
 * run alone).
 */
export async function settleWrites(admin: Knex): Promise<void> {
  await admin.raw('CHECKPOINT');
  execFileSync('sync');
}

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export const perSecond = (n: number, ms: number) =>
  `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;
