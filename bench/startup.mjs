// Start-up times (issue 26): `tempctl --help`, and a worker from its start to its "worker started"
// line, on the node running this script. Needs a Temporal server at TEMPORAL_ADDRESS. Usage:
//   node bench/startup.mjs [path/to/bin/tempctl.js]   (default: bin/tempctl.js, the sources)
// Each figure is the median of 3 runs; the worker runs on PGlite in a fresh folder (bundle cached
// after the first, unmeasured start).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const tempctl = path.resolve(process.argv[2] ?? 'bin/tempctl.js');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function help() {
  const start = performance.now();
  const r = spawnSync(process.execPath, [tempctl, '--help'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return performance.now() - start;
}

function workerStart(env) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [tempctl, 'worker'], {
      env: { ...process.env, ...env, LOG_FORMAT: 'json' },
    });
    let out = '';
    const done = (ms) => {
      child.kill('SIGTERM');
      child.once('close', () => resolve(ms));
    };
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('"worker started"')) done(performance.now() - start);
    });
    child.stderr.on('data', (c) => (out += c));
    child.once(
      'exit',
      (code) => code !== null && !out.includes('"worker started"') && reject(new Error(out)),
    );
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-startup-'));
const env = {
  DATA_DIR: dir,
  PGLITE_DIR: path.join(dir, 'pglite'),
  SENSOR_API_URL: 'http://127.0.0.1:9/',
  SENSOR_API_KEY: 'k',
  TEMPORAL_TASK_QUEUE: `startup-${process.pid}`,
};
try {
  const helps = [help(), help(), help()];
  await workerStart(env); // builds the workflow bundle and the geometry marker: not measured
  const workers = [];
  for (let i = 0; i < 3; i++) workers.push(await workerStart(env));
  console.log(`node ${process.version}  ${path.relative(process.cwd(), tempctl)}`);
  console.log(
    `  tempctl --help: ${(median(helps) / 1000).toFixed(2)} s (runs ${helps.map((t) => (t / 1000).toFixed(2)).join(', ')})`,
  );
  console.log(
    `  worker start:   ${(median(workers) / 1000).toFixed(2)} s (runs ${workers.map((t) => (t / 1000).toFixed(2)).join(', ')})`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
