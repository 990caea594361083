/**
 * Work run in a child process of the worker, so that the memory it needs is returned to the system
 * when it ends instead of staying in the worker's heap for the hours it then runs (issue 8's peak
 * RSS per worker; figures: docs/scaling.md §2.1). Used for bundling the workflows
 * (worker/bundle.ts) and for checking the region polygons' geometry (worker/runtime.ts).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

/** `.ts` when running the sources (through tsx), `.js` in the built app (scripts/build.mjs). */
export const CODE_EXTENSION = path.extname(__filename);
/** The sources need tsx's loader in the child; the built app runs as it is. */
const CHILD_LOADER = CODE_EXTENSION === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [];

/** A child's exit code saying its error is the kind it was run to find, its message stderr's last line. */
export const KNOWN_ERROR_EXIT = 2;

/**
 * Runs `script` (a module path resolved by the caller) with `args` in a new Node process of the same
 * binary and environment. Resolves on exit 0; otherwise rejects with `failure(code, stderr)`, the
 * child's last 2,000 characters of stderr.
 */
export function runInChild(
  script: string,
  args: readonly string[],
  failure: (code: number | null, stderr: string) => Error,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [...CHILD_LOADER, script, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(failure(code, stderr.trim()))));
  });
}
