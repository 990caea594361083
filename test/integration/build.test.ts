/**
 * `npm run build` (scripts/build.mjs): the built app holds no TypeScript and runs without tsx (a
 * preload makes resolving tsx throw): `tempctl --help`, `migrate`, and a worker that polls the real
 * dev server, relaunched with its V8 flags, stopped by SIGTERM with exit code 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { claimNamespace } from '../support/namespaces';
import { whenWorkerRunning } from '../support/workerProcess';

const ROOT = path.resolve(__dirname, '../..');
const NO_TSX = path.join(__dirname, '../support/noTsx.cjs');

let dir: string;
let app: string;
let claim: ReturnType<typeof claimNamespace>;

beforeAll(() => {
  claim = claimNamespace();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-build-'));
  app = path.join(dir, 'app');
  // The app finds the project's packages the way the image's /app/node_modules is found.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), app], {
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`the build failed: ${built.stdout}${built.stderr}`);
}, 120_000);

afterAll(() => {
  claim?.release();
  fs.rmSync(dir, { recursive: true, force: true });
});

function env(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_OPTIONS: '',
    DATA_DIR: path.join(dir, 'data'),
    SENSOR_API_URL: 'http://127.0.0.1:9/',
    SENSOR_API_KEY: 'k',
    TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
    TEMPORAL_NAMESPACE: claim.namespace,
    TEMPORAL_TASK_QUEUE: `build-${process.pid}`,
    LOG_FORMAT: 'json',
  };
}

test('it holds JavaScript only, next to the files the program reads', () => {
  const files = fs.readdirSync(app, { recursive: true }).map(String);
  const code = files.filter((f) => /\.[cm]?[jt]s$/.test(f) && !f.startsWith('data'));
  expect(code.filter((f) => f.endsWith('.ts'))).toEqual([]);
  for (const file of [
    'bin/tempctl.js',
    'cli/main.js',
    'workflows/index.js',
    'page/client.js',
    'migrations/index.js',
  ])
    expect(files).toContain(file);
  expect(fs.existsSync(path.join(app, 'data/regions'))).toBe(true);
});

test('tempctl --help and migrate run without tsx', () => {
  const help = spawnSync(
    process.execPath,
    ['--require', NO_TSX, path.join(app, 'bin/tempctl.js'), '--help'],
    {
      encoding: 'utf8',
      env: env(),
    },
  );
  expect(help.stderr).toBe('');
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('Usage: tempctl');
  const migrate = spawnSync(
    process.execPath,
    ['--require', NO_TSX, path.join(app, 'bin/tempctl.js'), 'migrate'],
    {
      encoding: 'utf8',
      env: env(),
    },
  );
  expect(migrate.status).toBe(0);
  expect(migrate.stdout).toContain('001_initial');
});

test('its worker polls the dev server without tsx, and SIGTERM stops it with exit code 0', async () => {
  // NODE_OPTIONS reaches the relaunched worker too (worker/relaunch.ts), so tsx stays out of both.
  const worker = spawn(process.execPath, [path.join(app, 'bin/tempctl.js'), 'worker'], {
    env: { ...env(), NODE_OPTIONS: `--require ${NO_TSX}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  worker.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await whenWorkerRunning(worker, (code) => new Error(`the built worker exited with ${code}: ${stderr}`));
  const closed = new Promise<[number | null, string | null]>((resolve) =>
    worker.once('close', (code: number | null, signal: string | null) => resolve([code, signal])),
  );
  worker.kill('SIGTERM');
  expect(await closed).toEqual([0, null]);
  expect(stderr).not.toContain('tsx');
}, 180_000);
