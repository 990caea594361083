/** Runs the real `tempctl serve` as its own process on a free loopback port, against a pipeline's database. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Pipeline } from './pipeline';

export interface Served {
  /** e.g. http://127.0.0.1:41234/ */
  url: string;
  stop(): Promise<void>;
}

export async function startServe(pipeline: Pipeline, timeoutMs = 60_000): Promise<Served> {
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(__dirname, '../../bin/tempctl.js'), 'serve', '--port', '0'],
    {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        DATABASE_URL: pipeline.database.url,
        TEMPORAL_NAMESPACE: pipeline.config.temporal.namespace,
        TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tempctl serve did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /page: (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tempctl serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
