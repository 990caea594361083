/**
 * Operating the pipeline (issue 9), end to end with the real `tempctl worker` process: it runs as the
 * least-privilege worker role, logs JSON lines, serves /metrics, /healthz and /readyz; a failing and a
 * succeeding import go through it; `tempctl status` is asked before and after. Checked: every log
 * line is JSON, every line of an import carries its context, no line holds the API key or the
 * database password, the scraped metrics equal the run's report (and promtool accepts them), the
 * status verdicts and exit codes, the health endpoints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { applyRoles, type RoleNames } from '../../adapters/db/roles';
import { freePort } from '../../adapters/temporal/devServer';
import { Secret } from '../../config/secret';
import { addHours, formatHour, truncateToHour } from '../../core/importHour';
import type { ImportSummary } from '../../workflows/summary';
import { SCHEDULE_ID } from '../../client/schedule';
import { startSimulator, type RunningSimulator } from '../../sim/server';
import {
  createMigratedDatabase,
  createPostgresDatabase,
  ADMIN_URL,
  type TestDatabase,
} from '../support/databases';
import { claimNamespace } from '../support/namespaces';
import { parseExposition, sample, type Exposition } from '../support/exposition';
import { runTool } from '../support/tools';
import { stopWorkerProcess } from '../support/workerProcess';
import { panelQueries } from '../support/dashboards';
import { startPrometheus } from '../support/prometheus';

import { WORKER_NODE_FLAGS } from '../../worker/nodeFlags';

const ROOT = path.resolve(__dirname, '../..');
const API_KEY = `ops-key-${randomBytes(8).toString('hex')}`;
const DB_PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const P = 'temperature_pipeline_';

interface Captured {
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<Captured & { code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/tempctl.js'), ...args], {
      env: { ...process.env, NODE_OPTIONS: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

describe('operating the pipeline: logs, metrics, health, status', () => {
  const suffix = randomBytes(4).toString('hex');
  const roles: RoleNames = {
    migrate: `tp_migrate_${suffix}`,
    worker: `tp_worker_${suffix}`,
    analyst: `tp_analyst_${suffix}`,
  };
  let database: TestDatabase;
  let simulator: RunningSimulator;
  let worker: ChildProcess;
  const workerOutput: Captured = { stdout: '', stderr: '' };
  const cliOutputs: Captured[] = [];
  let env: Record<string, string>;
  let metricsUrl: string;
  let sdkMetricsUrl: string;
  let client: Client;
  let release: () => void;
  const hour = truncateToHour(new Date());
  const failingHour = addHours(hour, -1);

  const cli = async (args: string[]) => {
    const result = await runCli(args, env);
    cliOutputs.push(result);
    return result;
  };

  beforeAll(async () => {
    const address = process.env.TEST_TEMPORAL_ADDRESS;
    if (!address) throw new Error('run integration tests through jest: its global setup starts Temporal');
    const claim = claimNamespace();
    release = () => claim.release();
    // The first call answers 401 (the failing run), the next ones mix bad records in (rejections).
    simulator = await startSimulator({
      seed: 9,
      apiKey: API_KEY,
      readingsPerCall: 400,
      faults: ['401', 'malformed'],
    });
    database = await createMigratedDatabase(createPostgresDatabase);
    await applyRoles(database.db, { worker: new Secret(DB_PASSWORD) }, roles);
    const workerUrl = new URL(database.url ?? '');
    workerUrl.username = roles.worker;
    workerUrl.password = DB_PASSWORD;
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    const sdkPort = await freePort();
    sdkMetricsUrl = `http://127.0.0.1:${sdkPort}/metrics`;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-ops-'));
    env = {
      SENSOR_API_URL: simulator.url,
      SENSOR_API_KEY: API_KEY,
      DATABASE_URL: workerUrl.toString(),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: claim.namespace,
      TEMPORAL_TASK_QUEUE: `ops-${suffix}`,
      BACKUP_DIR: path.join(dataDir, 'backups'),
      DATA_DIR: dataDir,
      METRICS_PORT: String(port),
      TEMPORAL_METRICS_PORT: String(sdkPort),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'debug',
    };
    // Started as a supervisor or a person would, without the worker's V8 flags: it starts node again
    // with them (worker/relaunch.ts), and `worker` is then the launcher, the worker its child.
    worker = spawn(process.execPath, [path.join(ROOT, 'bin/tempctl.js'), 'worker'], {
      env: { ...process.env, NODE_OPTIONS: '', ...env },
    });
    worker.stdout?.on('data', (chunk: Buffer) => (workerOutput.stdout += chunk.toString()));
    worker.stderr?.on('data', (chunk: Buffer) => (workerOutput.stderr += chunk.toString()));
    const connection = await Connection.connect({ address });
    client = new Client({ connection, namespace: claim.namespace });
  });

  afterAll(async () => {
    await client?.schedule
      .getHandle(SCHEDULE_ID)
      .delete()
      .catch(() => undefined);
    await client?.connection.close();
    await stopWorkerProcess(worker);
    await simulator?.close();
    await database?.drop();
    const admin = (await import('knex')).default({ client: 'pg', connection: ADMIN_URL });
    for (const role of Object.values(roles)) await admin.raw(`DROP ROLE IF EXISTS "${role}"`);
    await admin.destroy();
    release?.();
  });

  test('/healthz answers at once; /readyz once the worker polls Temporal and the database answers', async () => {
    let health: { status: number; body: string } | undefined;
    for (let i = 0; i < 240 && health?.status !== 200; i++) {
      if (worker.exitCode !== null)
        throw new Error(`the worker exited: ${workerOutput.stdout}\n${workerOutput.stderr}`);
      health = await get(`${metricsUrl}/healthz`).catch(() => undefined);
      if (health?.status !== 200) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(health?.status).toBe(200);
    let ready: { status: number; body: string } | undefined;
    for (let i = 0; i < 240 && ready?.status !== 200; i++) {
      ready = await get(`${metricsUrl}/readyz`);
      if (ready.status !== 200) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(ready?.status).toBe(200);
    expect(JSON.parse(ready?.body ?? '{}')).toEqual({
      ready: true,
      checks: { worker: 'ok', temporal: 'ok', database: 'ok' },
    });
  });

  test('a second worker whose METRICS_PORT is taken stops at start, naming the setting', async () => {
    // The first worker listens on METRICS_PORT (so this test holds when run alone too).
    for (let tries = 0; tries < 120; tries += 1) {
      if ((await get(`${metricsUrl}/healthz`).catch(() => undefined))?.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const second = { ...env };
    delete second.TEMPORAL_METRICS_PORT; // the first worker's SDK metrics hold that port too
    const result = await runCli(['worker'], second);
    const output = result.stdout + result.stderr;
    expect(result.code).not.toBe(0);
    expect(output).toContain(`METRICS_PORT: cannot listen on ${env.METRICS_PORT}`);
    // Started without the worker's V8 flags (worker/nodeFlags.ts), it relaunched itself with them:
    // no warning about them, and the worker's exit code (2: a configuration error) is the launcher's.
    expect(output).not.toContain(`started without ${WORKER_NODE_FLAGS.join(' ')}`);
    expect(result.code).toBe(2);
    // The worker was never created, so nothing held the connection: its close did not hide the cause.
    expect(output).not.toContain('IllegalStateError');
  });

  test('tempctl status before any import: failing, exit code 2', async () => {
    const result = await cli(['status', '--json']);
    expect(result.code).toBe(2);
    const status = JSON.parse(result.stdout) as { level: string; findings: { message: string }[] };
    expect(status.level).toBe('failing');
    expect(status.findings.map((f) => f.message)).toContain('no import has ever succeeded');
  });

  let report: ImportSummary;
  let metrics: Exposition;

  test('a failing run (the partner answers 401) and a succeeding one go through the worker', async () => {
    const failing = await cli(['run', '--hour', formatHour(failingHour)]);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/401/);
    const succeeding = await cli(['run', '--hour', formatHour(hour)]);
    expect(succeeding.code).toBe(0);
    const row = (await database
      .db('import_runs')
      .where({ import_hour: hour, status: 'succeeded' })
      .first()) as { report: ImportSummary } | undefined;
    if (!row) throw new Error('no succeeded run in the ledger');
    report = row.report;
    expect(report.totals.rejected).toBeGreaterThan(0);
  });

  test('the scraped metrics equal the run report, and promtool accepts the exposition', async () => {
    const scraped = await get(`${metricsUrl}/metrics`);
    expect(scraped.status).toBe(200);
    metrics = parseExposition(scraped.body);
    const source = report.sources[0];
    if (!source) throw new Error('no source in the report');
    const bySource = { source: source.source };
    expect(sample(metrics, `${P}readings_fetched_total`, bySource)).toBe(source.fetched);
    expect(sample(metrics, `${P}readings_valid_total`, bySource)).toBe(source.valid);
    expect(sample(metrics, `${P}readings_duplicates_total`, bySource)).toBe(source.duplicates);
    expect(sample(metrics, `${P}readings_corrections_total`, bySource)).toBe(source.corrections);
    for (const [reason, count] of Object.entries(source.rejectedByReason))
      expect(sample(metrics, `${P}readings_rejected_total`, { ...bySource, reason })).toBe(count);
    expect(sample(metrics, `${P}imports_total`, { status: 'succeeded' })).toBe(1);
    expect(sample(metrics, `${P}imports_total`, { status: 'failed' })).toBe(1);
    // What the fetch wrote to the landing store is what the database recorded of it: the answer,
    // the Parquet files and the version run, byte for byte, one put each.
    const [raw] = (await database.db('raw_bodies').sum({ bytes: 'bytes' }).count({ n: '*' })) as {
      bytes: string;
      n: string;
    }[];
    const [files] = (await database.db('landed_files').sum({ bytes: 'bytes' }).count({ n: '*' })) as {
      bytes: string;
      n: string;
    }[];
    const [runs] = (await database.db('version_runs').sum({ bytes: 'bytes' }).count({ n: '*' })) as {
      bytes: string;
      n: string;
    }[];
    const wrote = { activity: 'fetchSource', direction: 'write' };
    expect(sample(metrics, `${P}landing_store_bytes_total`, wrote)).toBe(
      Number(raw?.bytes) + Number(files?.bytes) + Number(runs?.bytes),
    );
    expect(sample(metrics, `${P}landing_store_requests_total`, wrote)).toBe(
      Number(raw?.n) + Number(files?.n) + Number(runs?.n),
    );
    expect(sample(metrics, `${P}import_duration_seconds_count`, { status: 'succeeded' })).toBe(1);
    expect(
      sample(metrics, `${P}activity_duration_seconds_count`, { activity: 'fetchSource', outcome: 'failed' }),
    ).toBe(1);
    const hourSeconds = Date.parse(report.hour) / 1000;
    expect(sample(metrics, `${P}last_success_import_hour_seconds`)).toBe(hourSeconds);
    expect(sample(metrics, `${P}source_last_success_import_hour_seconds`, bySource)).toBe(hourSeconds);
    expect(sample(metrics, `${P}latest_hour_seconds`)).toBe(hourSeconds);
    expect(sample(metrics, `${P}latest_hour_complete`)).toBe(1);
    expect(sample(metrics, `${P}latest_hour_readings_counted`)).toBe(report.totals.counted);
    expect(sample(metrics, `${P}latest_hour_readings_outside`)).toBe(report.totals.outside);
    for (const region of report.regions)
      expect(sample(metrics, `${P}latest_hour_region_readings`, { region: region.region })).toBe(
        region.numberOfPoints,
      );
    const regionSamples = metrics.filter((s) => s.name === `${P}latest_hour_region_readings`);
    expect(regionSamples).toHaveLength(13);
    expect(regionSamples.reduce((n, s) => n + s.value, 0)).toBe(
      report.totals.counted - report.totals.outside,
    );
    expect(sample(metrics, `${P}recent_quarantined_records`)).toBe(report.totals.rejected);
    expect(sample(metrics, `${P}latest_backup_hour_seconds`)).toBe(hourSeconds);
    expect(sample(metrics, `${P}rejected_share_limit`)).toBe(0.2);

    const promtool = await runTool('promtool', ['check', 'metrics'], scraped.body);
    console.log(`promtool check metrics: exit ${promtool.code} ${promtool.stdout}${promtool.stderr}`);
    expect(promtool.stderr + promtool.stdout).toBe('');
    expect(promtool.code).toBe(0);
  });

  test("the Temporal SDK's own metrics, on their own port, in Prometheus' conventions", async () => {
    const scraped = await get(sdkMetricsUrl);
    expect(scraped.status).toBe(200);
    const names = new Set(parseExposition(scraped.body).map((s) => s.name));
    expect(names).toContain('temporal_activity_execution_latency_seconds_count');
    expect([...names].some((name) => name.startsWith('temporal_') && name.endsWith('_total'))).toBe(true);
    const promtool = await runTool('promtool', ['check', 'metrics'], scraped.body);
    console.log(
      `promtool check metrics (SDK exporter): exit ${promtool.code} ${promtool.stdout}${promtool.stderr}`,
    );
    expect(promtool.code).toBe(0);
  });

  test('every Grafana panel query (deploy/grafana) is valid PromQL and returns series from this worker after its import', async () => {
    const panels = panelQueries();
    expect(panels.length).toBeGreaterThan(15);
    // Valid PromQL: promtool parses each one as a recording rule's expression (JSON is YAML).
    const rulesFile = path.join(os.tmpdir(), `tp-panels-${suffix}.rules.yml`);
    const rules = (exprs: string[]) =>
      JSON.stringify({
        groups: [{ name: 'panels', rules: exprs.map((expr, i) => ({ record: `panel:${i}`, expr })) }],
      });
    fs.writeFileSync(rulesFile, rules(panels.map((p) => p.expr)));
    const checked = await runTool('promtool', ['check', 'rules', rulesFile]);
    console.log(
      `promtool check rules (${panels.length} panel queries): exit ${checked.code} ${checked.stdout}${checked.stderr}`,
    );
    expect(checked.code).toBe(0);
    // The check can fail: one unbalanced query is refused.
    fs.writeFileSync(rulesFile, rules(['sum by (source (up)']));
    expect((await runTool('promtool', ['check', 'rules', rulesFile])).code).not.toBe(0);
    fs.rmSync(rulesFile);

    // Series: a real Prometheus scrapes this worker's two endpoints (the dashboards' job names)
    // until every range has at least two samples, then evaluates each query.
    const prometheus = await startPrometheus([
      { job: 'temperature-worker', target: new URL(metricsUrl).host },
      { job: 'temporal-sdk', target: new URL(sdkMetricsUrl).host },
    ]);
    try {
      for (let tries = 0; ; tries += 1) {
        const scrapes = (await prometheus.query('min(count_over_time(up[1m]))')) as {
          value: [number, string];
        }[];
        if (Number(scrapes[0]?.value[1] ?? 0) >= 4) break;
        if (tries > 120) throw new Error('Prometheus scraped the worker fewer than 4 times in 60 s');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const empty: string[] = [];
      for (const { dashboard, panel, expr } of panels) {
        const series = await prometheus.query(expr);
        if (series.length === 0) empty.push(`${dashboard} / ${panel}: ${expr}`);
      }
      expect(empty).toEqual([]);
    } finally {
      await prometheus.stop();
    }
  });

  test('tempctl status after: healthy (exit 0) once the schedule exists; degraded (exit 1) while it is paused', async () => {
    expect((await cli(['schedule', 'apply'])).code).toBe(0);
    const healthy = await cli(['status']);
    console.log(healthy.stdout);
    expect(healthy.stdout).toMatch(/^temperature pipeline: HEALTHY \(exit 0\)/);
    expect(healthy.code).toBe(0);
    expect((await cli(['schedule', 'pause', '--note', 'maintenance'])).code).toBe(0);
    const paused = await cli(['status', '--json']);
    expect(paused.code).toBe(1);
    const status = JSON.parse(paused.stdout) as { level: string; findings: { message: string }[] };
    expect(status.level).toBe('degraded');
    expect(status.findings.map((f) => f.message)).toEqual(['the schedule is paused (maintenance)']);
  });

  test('the logs: JSON lines only, the import context on every line of an import, no secret anywhere', async () => {
    // SIGTERM to the launcher reaches the worker (its child), which stops; its exit code comes back.
    worker.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      worker.once('close', (c: number | null, s: string | null) => resolve([c, s])),
    );
    expect([code, signal]).toEqual([0, null]);
    const lines = workerOutput.stdout.split('\n').filter((line) => line !== '');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(20);
    // The SDK's Rust core writes through the same logger: no raw line on stderr.
    expect(workerOutput.stderr).toBe('');
    expect(records.some((r) => r.sdkComponent === 'core')).toBe(true);
    // Running with the worker's V8 flags (relaunched with them): no warning about them.
    expect(records.some((r) => String(r.msg).startsWith('started without'))).toBe(false);
    const started = records.find((r) => r.msg === 'worker started');
    expect(started).toBeDefined();
    // The worker is the launcher's child, and it is gone too.
    const workerPid = started?.pid as number;
    expect(workerPid).not.toBe(worker.pid);
    expect(() => process.kill(workerPid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }) as Error);

    const importLines = records.filter(
      (r) =>
        (typeof r.workflowId === 'string' && r.workflowType === 'hourlyImport') ||
        typeof r.activity === 'string',
    );
    expect(importLines.length).toBeGreaterThan(10);
    for (const line of importLines) {
      expect(line).toEqual(
        expect.objectContaining({
          importHour: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:00:00Z$/) as unknown,
          workflowId: expect.any(String) as unknown,
          runId: expect.any(String) as unknown,
        }),
      );
      // The SDK writes "Activity started" before the input is decoded: the source follows from then on.
      if (line.activity === 'fetchSource' && line.msg !== 'Activity started')
        expect(line.source).toBe('partner-api');
    }
    const hours = new Set(importLines.map((line) => line.importHour));
    expect(hours).toEqual(new Set([formatHour(failingHour), formatHour(hour)]));
    const activities = new Set(importLines.map((line) => line.activity).filter(Boolean));
    for (const activity of ['startImport', 'fetchSource', 'aggregateBucket', 'persistHour', 'finishImport'])
      expect(activities).toContain(activity);
    // The failing run's failure is logged with its context.
    expect(
      records.some(
        (r) => r.level === 'warn' && r.activity === 'fetchSource' && r.importHour === formatHour(failingHour),
      ),
    ).toBe(true);

    fs.writeFileSync(path.join(os.tmpdir(), 'tp-ops-worker.log'), workerOutput.stdout);
    const everything = [workerOutput, ...cliOutputs].map((o) => o.stdout + o.stderr).join('\n');
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(DB_PASSWORD);
  });
});
