const INITIAL_OLD_SPACE_MB = 128;

/**
 * The V8 flags a worker process starts with. V8 reads them only when the heap is set up, and
 * NODE_OPTIONS refuses them, so they go on node's command line wherever a worker is started: the
 * image's ENTRYPOINT (Dockerfile; test/unit/nodeFlags.test.ts keeps it equal to this list),
 * `npm run demo`, the benchmark and the tests that start workers. A worker started without them
 * says so at start (cli/commands/worker.ts) and runs, slower on large hours.
 *
 * `--initial-old-space-size=128`: a heap configured with an initial old generation runs no full
 * garbage collection below that size. Why: a worker's live heap is 55–65 MB, and after a quiet
 * spell (the hour between two imports) V8 sets the next full collection barely above it (its
 * memory reducer, and the low allocation rate it measured while idle). The next hour's download
 * then streams 153 MB of buffers through the heap, and V8 ran a full collection every 40–100 ms
 * (`--trace-gc`: 10–15 in one 1,000,000-reading download, 55.3 MB → 55.0 MB each time): user CPU
 * 0.9–1.3 s instead of 0.3 s, the download 0.6–0.9 s instead of 0.35 s, and the bucket step
 * slower too. Measured with `npm run bench:pipeline` (1,000,000 readings, anchors between the hours):
 * median 3.40 s without (run 18), 2.35 s and 2.22 s with (runs 19 and 20; docs/scaling.md §2). What
 * it costs: up to 128 MB of old generation before a full collection (worker peak RSS 548–639 MB in
 * those runs, within the 548–634 MB of the runs before).
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
