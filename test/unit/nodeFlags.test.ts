/**
 * The worker's V8 flags (worker/nodeFlags.ts) reach every way a worker is started that is written
 * down in the project: the `tempctl` shebang and the image's ENTRYPOINT.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { missingWorkerNodeFlags, WORKER_NODE_FLAGS } from '../../worker/nodeFlags';

const ROOT = path.resolve(__dirname, '../..');

describe('the worker’s V8 flags', () => {
  test('missingWorkerNodeFlags lists what a command line lacks, and nothing when all are there', () => {
    expect(missingWorkerNodeFlags([])).toEqual([...WORKER_NODE_FLAGS]);
    expect(missingWorkerNodeFlags(['--enable-source-maps'])).toEqual([...WORKER_NODE_FLAGS]);
    expect(missingWorkerNodeFlags(['--enable-source-maps', ...WORKER_NODE_FLAGS])).toEqual([]);
    // A flag with another value is not the flag.
    expect(missingWorkerNodeFlags(['--initial-old-space-size=64'])).toEqual([...WORKER_NODE_FLAGS]);
  });

  test('the image starts node with them (Dockerfile ENTRYPOINT)', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(entrypoint).toBeDefined();
    expect(JSON.parse(entrypoint as string)).toEqual(['node', ...WORKER_NODE_FLAGS, 'bin/tempctl.js']);
  });

  test('`tempctl` run through its shebang starts node with them', () => {
    const shebang = fs.readFileSync(path.join(ROOT, 'bin/tempctl.js'), 'utf8').split('\n')[0] ?? '';
    expect(shebang).toBe(`#!/usr/bin/env -S node ${WORKER_NODE_FLAGS.join(' ')}`);
    // The same interpreter line, run by env as the kernel would, hands the flags to node.
    const [command, ...args] = shebang.slice(2).split(' ');
    const execArgv = execFileSync(
      command as string,
      [...args, '-e', 'process.stdout.write(JSON.stringify(process.execArgv))'],
      { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(missingWorkerNodeFlags(JSON.parse(execArgv) as string[])).toEqual([]);
  });
});
