/**
 * The V8 flags a worker process starts with. V8 reads them only when the heap is set up, and
 * NODE_OPTIONS refuses them, so they go on the command line wherever a worker is started: the
 * `tempctl` shebang (bin/tempctl.js), the image's ENTRYPOINT (Dockerfile), the benchmark and the
 * tests that start workers (test/unit/nodeFlags.test.ts keeps those equal to this list).
 *
 * `--initial-old-space-size=128`: a heap configured with an initial old generation runs no full
 * garbage collection below that size. Why: a worker's live heap is 55–65 MB, and after a quiet
 * spell (the hour between two imports) V8 sets the next full collection barely above it (its
 * memory reducer, and the low allocation rate it measured while idle). The next hour's download
 * then streams 153 MB of buffers through the heap, and V8 ran a full collection every 40–100 ms
 * (`--trace-gc`: 10–15 in one 1,000,000-reading download, 55.3 MB → 55.0 MB each time): user CPU
 * 0.9–1.3 s instead of 0.3 s, the download 0.6–0.9 s instead of 0.35 s, and the bucket step
 * slower too. Measured with `npm run bench:pipeline` (1,000,000 readings, anchors between the hours):
 * median 3.40 s without, 2.28 s with; docs/scaling.md §2 has the series. What it costs: up to
 * 128 MB of old generation before a full collection (worker peak RSS within 10% of before).
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=128'];

/** The flags of WORKER_NODE_FLAGS that `execArgv` (a process's `process.execArgv`) lacks. */
export function missingWorkerNodeFlags(execArgv: readonly string[]): string[] {
  return WORKER_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
