/**
 * OpenTelemetry traces (issue 26) from a real `tempctl worker` to a real OTLP/HTTP receiver on
 * loopback, which decodes what arrives (OTLP's JSON encoding): one trace for the hour the schedule
 * started, the workflow's span at its root, a StartActivity and a RunActivity span per activity
 * under it, the spans around the partner's HTTP call, DuckDB, the stores and PostgreSQL under
 * those, and the import hour as an attribute. Configured by the standard OTEL_* variables only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { applySchedule, connectClient, scheduleHandle } from '../../client';
import { loadConfig } from '../../config';
import { startSimulator, type RunningSimulator } from '../../sim/server';
import { createPostgresDatabase, type TestDatabase } from '../support/databases';
import { claimNamespace } from '../support/namespaces';
import { stopWorkerProcess, whenWorkerRunning } from '../support/workerProcess';

const ROOT = path.resolve(__dirname, '../..');
const API_KEY = 'trace-test-key';
const SERVICE = `tp-trace-${randomBytes(3).toString('hex')}`;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
}
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, string | number | undefined>;
  service: string | undefined;
}

/** OTLP/HTTP JSON (ExportTraceServiceRequest) to flat spans; ids are hex strings in this encoding. */
function decode(body: string): ReceivedSpan[] {
  const request = JSON.parse(body) as {
    resourceSpans: {
      resource?: { attributes?: { key: string; value: OtlpValue }[] };
      scopeSpans: {
        spans: (Omit<ReceivedSpan, 'attributes' | 'service'> & {
          attributes?: { key: string; value: OtlpValue }[];
        })[];
      }[];
    }[];
  };
  const flat = (attributes: { key: string; value: OtlpValue }[] = []) =>
    Object.fromEntries(
      attributes.map((a) => [
        a.key,
        a.value.stringValue ?? (a.value.intValue === undefined ? undefined : Number(a.value.intValue)),
      ]),
    );
  return request.resourceSpans.flatMap((resourceSpans) => {
    const service = flat(resourceSpans.resource?.attributes)['service.name'] as string | undefined;
    return resourceSpans.scopeSpans.flatMap((scope) =>
      scope.spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
        name: span.name,
        attributes: flat(span.attributes),
        service,
      })),
    );
  });
}

let receiver: http.Server;
const received: ReceivedSpan[] = [];
const requests: { path: string; contentType: string | undefined }[] = [];
let simulator: RunningSimulator;
let database: TestDatabase;
let claim: ReturnType<typeof claimNamespace>;
let client: Client;
let worker: ChildProcess;
let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
      if (req.url === '/v1/traces') received.push(...decode(body));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  simulator = await startSimulator({ seed: 5, apiKey: API_KEY });
  database = await createPostgresDatabase();
  claim = claimNamespace();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-trace-'));
  env = {
    SENSOR_API_URL: simulator.url,
    SENSOR_API_KEY: API_KEY,
    DATABASE_URL: database.url ?? '',
    TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS ?? '',
    TEMPORAL_NAMESPACE: claim.namespace,
    TEMPORAL_TASK_QUEUE: `trace-${randomBytes(4).toString('hex')}`,
    DATA_DIR: dataDir,
    LOG_FORMAT: 'json',
    // The standard variables only: the endpoint (the exporter adds /v1/traces), the service's
    // name, and a short batch delay so that the test does not wait the default 5 s.
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_SERVICE_NAME: SERVICE,
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  worker = spawn(process.execPath, [path.join(ROOT, 'bin/tempctl.js'), 'worker'], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  worker.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await whenWorkerRunning(worker, (code) => new Error(`the worker exited with ${code}: ${stderr}`));
  client = await connectClient(loadConfig({ ...process.env, ...env }));
}, 180_000);

afterAll(async () => {
  await stopWorkerProcess(worker);
  await new Promise((resolve) => receiver?.close(resolve));
  if (client) {
    await scheduleHandle(client)
      .delete()
      .catch(() => undefined);
    await client.connection.close();
  }
  await Promise.all([simulator?.close(), database?.drop()]);
  claim?.release();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('the hour the schedule starts is one trace: workflow, activities, HTTP, DuckDB, stores, PostgreSQL', async () => {
  await applySchedule(client, loadConfig({ ...process.env, ...env }));
  await scheduleHandle(client).trigger();
  const deadline = Date.now() + 150_000;
  const workflowSpan = () => received.find((s) => s.name === 'RunWorkflow:hourlyImport');
  while (!(workflowSpan() && received.some((s) => s.name === 'RunActivity:finishImport'))) {
    if (Date.now() > deadline)
      throw new Error(`no complete trace: ${received.map((s) => s.name).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // The worker's SIGTERM flushes what is left in the batch.
  worker.kill('SIGTERM');
  await new Promise((resolve) => worker.once('close', resolve));

  expect(requests.every((r) => r.path === '/v1/traces' && r.contentType === 'application/json')).toBe(true);
  const row = (await database.db('import_runs').where({ status: 'succeeded' }).first()) as
    { import_hour: Date; trigger: string } | undefined;
  if (!row) throw new Error('the scheduled run did not succeed');
  const importHour = row.import_hour.toISOString().replace('.000Z', 'Z');

  const root = workflowSpan() as ReceivedSpan;
  // Started by the schedule: nothing before it, so it is the trace's root.
  expect(root.parentSpanId).toBeUndefined();
  expect(root.attributes['temperature.import_hour']).toBe(importHour);
  const trace = received.filter((s) => s.traceId === root.traceId);
  expect(new Set(received.map((s) => s.traceId))).toEqual(new Set([root.traceId]));
  expect(new Set(trace.map((s) => s.service))).toEqual(new Set([SERVICE]));
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const parentOf = (span: ReceivedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);

  for (const activity of [
    'startImport',
    'fetchSource',
    'planHour',
    'aggregateBucket',
    'persistHour',
    'finishImport',
  ]) {
    const runs = trace.filter((s) => s.name === `RunActivity:${activity}`);
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) {
      expect(run.attributes['temperature.import_hour']).toBe(importHour);
      const scheduled = parentOf(run);
      expect(scheduled?.name).toBe(`StartActivity:${activity}`);
      expect(scheduled && parentOf(scheduled)).toBe(root);
    }
  }

  /** The RunActivity span a span is under, if any. */
  const activityOf = (span: ReceivedSpan): string | undefined => {
    for (let at = parentOf(span); at; at = parentOf(at))
      if (at.name.startsWith('RunActivity:')) return at.name;
    return undefined;
  };
  const http = trace.filter((s) => s.name === 'partner-api fetch');
  expect(http).toHaveLength(1);
  expect(activityOf(http[0] as ReceivedSpan)).toBe('RunActivity:fetchSource');
  const duckdb = trace.filter((s) => s.name === 'duckdb');
  expect(duckdb.length).toBeGreaterThan(0);
  expect(duckdb.map(activityOf)).toContain('RunActivity:aggregateBucket');
  const landing = trace.filter((s) => s.name.startsWith('landing store '));
  expect(landing.map((s) => s.name)).toContain('landing store putFile');
  expect(landing.every((s) => activityOf(s) !== undefined)).toBe(true);
  expect(trace.some((s) => s.name.startsWith('backup store ') && activityOf(s) !== undefined)).toBe(true);
  const sql = trace.filter((s) => s.attributes['db.system'] === 'postgresql');
  expect(sql.length).toBeGreaterThan(0);
  expect(sql.map(activityOf)).toContain('RunActivity:persistHour');
  // The statement with placeholders: never the partner's key nor the database's password.
  expect(JSON.stringify(trace)).not.toContain(API_KEY);
}, 200_000);
