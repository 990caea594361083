/**
 * A worker that starts right however it is started (issue 26). V8 reads WORKER_NODE_FLAGS only
 * when the heap is set up and NODE_OPTIONS refuses them, so `tempctl worker` (and `tempctl demo`,
 * which runs a worker) started without them starts node again with them, as its only child:
 *
 * - the child is the worker (its "worker started" log line gives its `pid`); the parent only waits;
 * - SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to the parent are passed on to the child, so a
 *   supervisor's stop reaches the worker, which shuts down as usual;
 * - the parent exits with the child's exit code, or dies of the child's signal.
 *
 * Started with the flags (the image's ENTRYPOINT, the tests), no second process: that PID is the worker.
 */
import { spawn } from 'node:child_process';
import { missingWorkerNodeFlags } from './nodeFlags';

/** The commands that run a worker in their process. */
const WORKER_COMMANDS = new Set(['worker', 'demo']);
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/**
 * The node arguments to start this command again with, or null when it needs no relaunch.
 * `argv` is process.argv (node, script, command, …), `execArgv` process.execArgv.
 */
export function relaunchArgs(argv: readonly string[], execArgv: readonly string[]): string[] | null {
  const command = argv[2];
  if (command === undefined || !WORKER_COMMANDS.has(command)) return null;
  const missing = missingWorkerNodeFlags(execArgv);
  if (missing.length === 0) return null;
  return [...missing, ...execArgv, ...argv.slice(1)];
}

/** Runs node with `args` as this process's child and settles with its exit code (see above). */
export function relaunch(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => () => {
      child.kill(signal);
    };
    const handlers = FORWARDED_SIGNALS.map((signal) => [signal, forward(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const [name, handler] of handlers) process.off(name, handler);
      if (signal !== null) {
        // Die of the same signal, so that a supervisor sees what the worker saw.
        process.kill(process.pid, signal);
        return;
      }
      resolve(code ?? 1);
    });
  });
}
