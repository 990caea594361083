const INITIAL_OLD_SPACE_MB = 128;

/**
 * The V8 flags a worker process starts with. V8 reads them only when the heap is set up, and
 * NODE_OPTIONS refuses them, so they go on node's command line wherever a worker is started: the
 * image's ENTRYPOINT (Dockerfile; test/unit/nodeFlags.test.ts keeps it equal to this list),
 * `npm run demo`, the benchmark and the tests that start workers. A worker started without them
 * says so at start (cli/commands/worker.ts) and runs, slower on large hours.
 *
 * `--initial-old-space-size=128`: a heap configured with an initial old generation runs no full
 * garbage collection below that size. Why: after a quiet spell (the hour between two imports) V8
 * sets the next full collection barely above the worker's small live heap (its memory reducer, and
 * the low allocation rate it measured while idle). The next hour's download then streams the
 * answer's buffers through the heap, and V8 ran full collections back to back, slowing the
 * download and the bucket step (`--trace-gc`; figures: docs/scaling.md §2.1). What it costs: up to
 * 128 MB of old generation before a full collection, with no rise in the workers' peak RSS.
 */
export const WORKER_NODE_FLAGS: readonly string[] = [`--initial-old-space-size=${INITIAL_OLD_SPACE_MB}`];

/**
 * The flags of WORKER_NODE_FLAGS that `execArgv` (a process's `process.execArgv`) lacks. V8 reads
 * `_` in a flag's name as `-`; a larger initial old space than ours serves as well.
 */
export function missingWorkerNodeFlags(execArgv: readonly string[]): string[] {
  const given = execArgv.some((arg) => {
    const match = /^--initial[-_]old[-_]space[-_]size=(\d+)$/.exec(arg);
    return match !== null && Number(match[1]) >= INITIAL_OLD_SPACE_MB;
  });
  return given ? [] : [...WORKER_NODE_FLAGS];
}
