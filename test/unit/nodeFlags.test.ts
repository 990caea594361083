/**
 * The worker's V8 flags (worker/nodeFlags.ts) reach the ways a worker is started that are written
 * down in the project: the image's ENTRYPOINT and `npm run demo`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { missingWorkerNodeFlags, WORKER_NODE_FLAGS } from '../../worker/nodeFlags';

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

  test('`npm run demo` starts node with them', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.demo).toContain(`node ${WORKER_NODE_FLAGS.join(' ')} bin/tempctl.js demo`);
  });
});
