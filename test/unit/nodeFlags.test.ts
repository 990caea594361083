/**
 * The worker's V8 flags (worker/nodeFlags.ts) reach every way a worker is started: the image's
 * ENTRYPOINT gives them (PID 1 is the worker), and `tempctl worker` or `tempctl demo` started
 * without them relaunches itself with them (worker/relaunch.ts; its signals and exit code are
 * tested in test/integration/operations.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { missingWorkerNodeFlags, WORKER_NODE_FLAGS } from '../../worker/nodeFlags';
import { relaunchArgs } from '../../worker/relaunch';

const ROOT = path.resolve(__dirname, '../..');

describe('the worker’s V8 flags', () => {
  test('missingWorkerNodeFlags lists what a command line lacks, and nothing when all are there', () => {
    expect(missingWorkerNodeFlags([])).toEqual([...WORKER_NODE_FLAGS]);
    expect(missingWorkerNodeFlags(['--enable-source-maps'])).toEqual([...WORKER_NODE_FLAGS]);
    expect(missingWorkerNodeFlags(['--enable-source-maps', ...WORKER_NODE_FLAGS])).toEqual([]);
    // V8's spelling with underscores is the same flag; a larger size serves, a smaller one does not.
    expect(missingWorkerNodeFlags(['--initial_old_space_size=128'])).toEqual([]);
    expect(missingWorkerNodeFlags(['--initial-old-space-size=256'])).toEqual([]);
    expect(missingWorkerNodeFlags(['--initial-old-space-size=64'])).toEqual([...WORKER_NODE_FLAGS]);
    expect(missingWorkerNodeFlags(['--initial-old-space-size'])).toEqual([...WORKER_NODE_FLAGS]);
  });

  test('the image starts node with them (Dockerfile ENTRYPOINT)', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(entrypoint).toBeDefined();
    expect(JSON.parse(entrypoint as string)).toEqual(['node', ...WORKER_NODE_FLAGS, 'bin/tempctl.js']);
  });

  test('`tempctl worker` and `tempctl demo` started without them start node again with them; nothing else does', () => {
    const node = '/usr/bin/node';
    const tempctl = '/app/bin/tempctl.js';
    expect(relaunchArgs([node, tempctl, 'worker'], [])).toEqual([...WORKER_NODE_FLAGS, tempctl, 'worker']);
    // The flags node was given, and the command's own arguments, are kept, in their places.
    expect(relaunchArgs([node, tempctl, 'demo', '--once'], ['--enable-source-maps'])).toEqual([
      ...WORKER_NODE_FLAGS,
      '--enable-source-maps',
      tempctl,
      'demo',
      '--once',
    ]);
    expect(relaunchArgs([node, tempctl, 'worker'], [...WORKER_NODE_FLAGS])).toBeNull();
    expect(relaunchArgs([node, tempctl, 'worker'], ['--initial_old_space_size=512'])).toBeNull();
    for (const other of [[], ['run', '--hour', '2026-11-27T14:00:00Z'], ['--help'], ['status']])
      expect(relaunchArgs([node, tempctl, ...other], [])).toBeNull();
  });

  test('`npm run demo` no longer needs to remember them', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.demo).toContain('node bin/tempctl.js demo');
    expect(relaunchArgs(['node', 'bin/tempctl.js', 'demo'], [])).not.toBeNull();
  });
});
