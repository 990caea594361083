/**
 * Keeping written-once files out of the page cache. The objects a folder store keeps (the raw
 * answer, the Parquet files, every backup copy) are written once and then read at most once or
 * twice, soon after. Left in the page cache, each byte of them holds memory the kernel must take
 * from its free pool. Dropped once they are on disk, their pages go back to the kernel, which hands
 * them out again to what the hour writes next (DuckDB's spill, the Parquet files, the backup copies).
 *
 * Why (docs/scaling.md §2): on the VM these benchmarks run on, memory taken from the kernel's free
 * pool costs about 2.4 s per GB on first touch (the host backs it lazily and takes freed memory
 * back after some seconds); pages just freed cost under 0.2 s per GB. Measured with dd, 1 GB
 * written to a new file: 1.3–2.6 s; right after dropping two such files: 0.19 s. A 10,000,000-
 * reading hour (bench:pipeline, without anchors, runs interleaved): 24.1 and 25.8 s end to end
 * with the drops, 28.1 and 26.4 s without.
 *
 * Node has no posix_fadvise: `dd iflag=nocache count=0` (GNU coreutils) makes that call
 * (POSIX_FADV_DONTNEED over the whole file) and nothing else. Without dd, or on a system where
 * it fails, files simply stay cached: this is an optimisation, never a condition.
 */
import { spawn } from 'node:child_process';

let unavailable = false;

/**
 * Files smaller than this stay cached: what they hold is little memory, and a dd costs about 20 ms
 * (eight 5 MB Parquet files of a 1,000,000-reading hour: 0.22 s to store instead of 0.06 s).
 */
export const DROP_MIN_BYTES = 32 << 20;

/**
 * Asks the kernel to drop the cached pages of `file` (`bytes` long: smaller than DROP_MIN_BYTES,
 * it is left alone). Only clean pages go: flush (fsync) first. Never fails; resolves once dd has
 * exited.
 */
export function dropFromPageCache(file: string, bytes: number): Promise<void> {
  if (unavailable || bytes < DROP_MIN_BYTES) return Promise.resolve();
  return new Promise((resolve) => {
    const dd = spawn('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none'], { stdio: 'ignore' });
    dd.on('error', () => {
      unavailable = true;
      resolve();
    });
    dd.on('close', () => resolve());
  });
}
