/** Waiting for a spawned `tempctl worker` process (tests and bench/pipeline.bench.ts). */
import type { ChildProcess } from 'node:child_process';

/**
 * Resolves with `worker`, spawned with its stdout piped, once it polls its task queue: it logs JSON
 * lines (stdout is no terminal) and the SDK's line with `"state":"RUNNING"` says when. Rejects with
 * `exited(code)` when the process exits first.
 */
export function whenWorkerRunning(
  worker: ChildProcess,
  exited: (code: number | null) => Error,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    worker.once('exit', (code) => reject(exited(code)));
    let stdout = '';
    worker.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"state":"RUNNING"')) resolve(worker);
    });
  });
}

/** Stops a spawned worker that still runs (SIGTERM), resolved once it has closed. */
export async function stopWorkerProcess(worker: ChildProcess | undefined): Promise<void> {
  if (!worker || worker.exitCode !== null || worker.signalCode !== null) return;
  worker.kill('SIGTERM');
  await new Promise((resolve) => worker.once('close', resolve));
}
