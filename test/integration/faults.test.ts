/**
 * Issue 11, faults 8-12, against the real components: PostgreSQL going away during landing (through
 * a loopback TCP proxy), a database port that never answers, Temporal unreachable and restarted
 * under a waiting `tempctl run`, Ctrl-C on `tempctl run`, and a bow-tie region file at worker start.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatHour, workflowIdForHour } from '../../core/importHour';
import { freshHours } from '../support/hours';
import { startFixedPartner, type FixedPartner } from '../support/partner';
import { runTempctl, startPipeline, TEST_API_KEY, type Pipeline } from '../support/pipeline';
import { bowTie, regionFile, square } from '../support/regionFiles';
import { startSilentServer, startTcpProxy, type TcpProxy } from '../support/tcpProxy';

let readingNumber = 0;
/**
 * One reading in Paris with an id of its own (a repeated id would be a duplicate, counted once
 * only), measured in `hour`: a fixed date falls out of the correction horizon as the calendar moves.
 */
const oneReading = (hour: Date) =>
  `[{"id":"f${++readingNumber}","timestamp":"${hour.toISOString().slice(0, 19).replace('T', ' ')}","lat":48.8566,"lon":2.3522,"temperature":6}]`;
const TEMPCTL = path.join(__dirname, '../../bin/tempctl.js');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tp-faults-'));
}

/** `tempctl` with only the given environment (plus PATH), killed if it outlives `limitMs`. */
function tempctlAlone(args: string[], env: Record<string, string>, limitMs = 90_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [TEMPCTL, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_OPTIONS: '',
        DATA_DIR: tempDir(),
        SENSOR_API_URL: 'http://127.0.0.1:9/readings',
        SENSOR_API_KEY: 'unused',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('faults around a real pipeline', () => {
  let pipeline: Pipeline;
  let partner: FixedPartner;
  let dbProxy: TcpProxy | undefined;
  const freshHour = freshHours(1);

  beforeAll(async () => {
    partner = await startFixedPartner(TEST_API_KEY);
    pipeline = await startPipeline({
      env: {
        SENSOR_API_URL: partner.url,
        FETCH_MAX_LAG_HOURS: '48',
        // The partner may hold its answer for a while here (Temporal away, Ctrl-C).
        SENSOR_API_CONNECT_TIMEOUT_MS: '60000',
        SENSOR_API_TIMEOUT_MS: '60000',
      },
      workerDatabaseUrl: async (url) => {
        const parsed = new URL(url);
        dbProxy = await startTcpProxy(parsed.hostname, Number(parsed.port || 5432));
        parsed.port = String(dbProxy.port);
        return parsed.toString();
      },
    });
  });
  afterAll(async () => {
    await pipeline.stop();
    await dbProxy?.close();
    await partner.close();
  });

  test('8. PostgreSQL away for 45 s during landing: reported as the database, then the hour lands', async () => {
    const hour = freshHour();
    let cut = false;
    partner.answer({
      body: oneReading(hour),
      onRequest: () => {
        if (cut) return;
        cut = true;
        void dbProxy!.cut();
        setTimeout(() => void dbProxy!.restore(), 45_000);
      },
    });
    const result = await runTempctl(pipeline, ['run', '--hour', formatHour(hour)]);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Import ${formatHour(hour)}  SUCCEEDED`);
    expect(result.stdout).toMatch(/Île-de-France\s+6\.00\s+1/);
    const history = await pipeline.client.workflow.getHandle(workflowIdForHour(hour)).fetchHistory();
    const failures = (history.events ?? [])
      .map((event) => event.activityTaskStartedEventAttributes?.lastFailure?.message)
      .filter((message): message is string => typeof message === 'string');
    expect(failures.length).toBeGreaterThan(0);
    for (const message of failures) {
      expect(message).toMatch(
        /^database unreachable while (landing partner-api's readings|running fetchSource): PostgreSQL at 127\.0\.0\.1:\d+\//,
      );
      expect(message).not.toContain('source failed');
    }
  }, 240_000);

  test('9. a database port that accepts and never answers: migrate and worker stop, naming it', async () => {
    const silent = await startSilentServer();
    const env = {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${silent.port}/tp`,
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
      TEMPORAL_ADDRESS: pipeline.config.temporal.address,
      REGIONS_FILE: writeRegions(regionFile([{ code: '1', name: 'One', ring: square(0, 45, 1) }])),
    };
    try {
      const expected = new RegExp(
        `tempctl: failed: database unreachable while migrating: PostgreSQL at 127\\.0\\.0\\.1:${silent.port}/tp: no answer within 2000 ms \\(DATABASE_CONNECT_TIMEOUT_MS\\)`,
      );
      const migrate = await tempctlAlone(['migrate'], env);
      expect(migrate.code).toBe(1);
      expect(migrate.stderr).toMatch(expected);
      const worker = await tempctlAlone(['worker'], env);
      expect(worker.code).toBe(1);
      expect(worker.stderr).toMatch(expected);
    } finally {
      await silent.close();
    }
  });

  test('10a. Temporal unreachable: the message names the address and TEMPORAL_ADDRESS', async () => {
    const closed = await startSilentServer();
    const port = closed.port;
    await closed.close();
    const result = await tempctlAlone(['run', '--hour', formatHour(freshHour())], {
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `tempctl: failed: cannot reach the Temporal server at 127.0.0.1:${port} (TEMPORAL_ADDRESS):`,
    );
  });

  test('10b. Temporal away for 20 s while tempctl run waits: it reconnects, says so, and prints the result', async () => {
    const [host, port] = pipeline.config.temporal.address.split(':') as [string, string];
    const temporalProxy = await startTcpProxy(host, Number(port));
    const hour = freshHour();
    try {
      partner.answer({
        body: oneReading(hour),
        delayMs: 30_000,
        onRequest: () => {
          void temporalProxy.cut();
          setTimeout(() => void temporalProxy.restore(), 20_000);
        },
      });
      const result = await runTempctl(pipeline, ['run', '--hour', formatHour(hour)], {
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalProxy.port}`,
      });
      expect(result.stderr).toContain(
        `Lost the connection to Temporal at 127.0.0.1:${temporalProxy.port} (TEMPORAL_ADDRESS); the import goes on in the worker.`,
      );
      expect(result.stderr).toContain(`Reconnected to Temporal at 127.0.0.1:${temporalProxy.port}`);
      expect(`${result.code} ${result.stderr}`).toMatch(/^0 /);
      expect(result.stdout).toContain(`Import ${formatHour(hour)}  SUCCEEDED`);
    } finally {
      await temporalProxy.close();
    }
  }, 240_000);

  test('11. Ctrl-C on tempctl run: it says the import goes on and how to follow it; the import finishes', async () => {
    const hour = freshHour();
    partner.answer({ body: oneReading(hour), delayMs: 8_000 });
    const child = spawn(process.execPath, [TEMPCTL, 'run', '--hour', formatHour(hour)], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        DATABASE_URL: pipeline.database.url,
        TEMPORAL_ADDRESS: pipeline.config.temporal.address,
        TEMPORAL_NAMESPACE: pipeline.config.temporal.namespace,
        TEMPORAL_TASK_QUEUE: pipeline.config.temporal.taskQueue,
      },
    });
    let stderr = '';
    let interrupted = false;
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Once, like one Ctrl-C: a second one ends the CLI at once, as a second Ctrl-C should.
      if (!interrupted && stderr.includes('Waiting for the import')) interrupted = child.kill('SIGINT');
    });
    expect(await exited).toBe(130);
    expect(stderr).toContain(
      `Interrupted: tempctl stopped waiting, but the import of ${formatHour(hour)} goes on in the worker (workflow ${workflowIdForHour(hour)}). Follow it with \`tempctl run --hour ${formatHour(hour)}\``,
    );
    const summary = (await pipeline.client.workflow.getHandle(workflowIdForHour(hour)).result()) as {
      status: string;
    };
    expect(summary.status).toBe('succeeded');
  });

  test('12. a bow-tie region file stops the worker at start, naming the region and the crossing', async () => {
    const file = writeRegions(
      regionFile([
        { code: '1', name: 'Plain', ring: square(0, 45, 1) },
        { code: '2', name: 'Knot', ring: bowTie(2, 45, 2) },
      ]),
    );
    const result = await tempctlAlone(['worker'], {
      REGIONS_FILE: file,
      TEMPORAL_ADDRESS: pipeline.config.temporal.address,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `tempctl: failed: ${file}: region 2 (Knot) is not a valid polygon: Self-intersection at (lon 3, lat 46)`,
    );
  });
});

function writeRegions(content: object): string {
  const file = path.join(tempDir(), 'regions.geojson');
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}
