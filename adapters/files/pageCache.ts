/**
 * Keeping written-once files out of the page cache. The objects a folder store keeps (the raw
 * answer, the Parquet files, every backup copy) are written once and then read at most once or
 * twice, soon after. Left in the page cache, each byte of them holds memory the kernel must take
 * from its free pool. Dropped once they are on disk, their pages go back to the kernel, which hands
 * them out again to what the hour writes next (DuckDB's spill, the Parquet files, the backup copies).
 *
 * Why: on a host that backs guest memory lazily and takes freed memory back after some seconds,
 * memory taken from the kernel's free pool costs many times more on first touch than pages just
 * freed, and the large hours run faster with the drops (figures: docs/scaling.md §2.1).
 *
 * Node has no posix_fadvise: `dd iflag=nocache count=0` (GNU coreutils) makes that call
 * (POSIX_FADV_DONTNEED over the whole file) and nothing else. Without dd, or on a system where
 * it fails, files simply stay cached: this is an optimisation, never a condition.
 *
 * The one seam for this tuning: it helps a lazily backed VM, not an ordinary host, so it is off
 * unless PAGE_CACHE_TUNING=on (`usePageCacheTuning`, set once by whoever read the configuration);
 * off, both functions here do nothing and every store copies and keeps pages as the kernel likes.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';

let unavailable = false;
let tuned = false;

/** PAGE_CACHE_TUNING: turns the drops and the uncached copies on for this process (off by default). */
export function usePageCacheTuning(on: boolean): void {
  tuned = on;
}

/**
 * Files smaller than this stay cached: what they hold is little memory, and each drop costs a dd
 * process, more than the memory saves (docs/scaling.md §2.1).
 */
export const DROP_MIN_BYTES = 32 << 20;

/**
 * Asks the kernel to drop the cached pages of `file` (`bytes` long: smaller than DROP_MIN_BYTES,
 * it is left alone). Only clean pages go: flush (fsync) first. Never fails; resolves once dd has
 * exited.
 */
export async function dropFromPageCache(file: string, bytes: number): Promise<void> {
  if (!tuned || unavailable || bytes < DROP_MIN_BYTES) return;
  await runDd([`if=${file}`, 'iflag=nocache', 'count=0']);
}

/**
 * Runs GNU dd with `args` (and `status=none`); resolves with its exit code, or 'missing' when it
 * could not start (then `unavailable` is set and dd is not asked again). Never rejects.
 */
function runDd(args: readonly string[]): Promise<number | 'missing'> {
  return new Promise((resolve) => {
    const dd = spawn('dd', [...args, 'status=none'], { stdio: 'ignore' });
    // A dd that could not start emits 'error' and then 'close': the first one settles.
    let settled = false;
    dd.on('error', () => {
      if (settled) return;
      settled = true;
      unavailable = true;
      resolve('missing');
    });
    dd.on('close', (code) => {
      if (settled) return;
      settled = true;
      resolve(code ?? 1);
    });
  });
}

/** Set once dd failed a copy (BSD dd has no `oflag`; a file system may refuse O_DIRECT). */
let directCopyFails = false;

/**
 * Copies `from` (`bytes` long) to `to` (a fresh temporary name, not an existing file) without
 * taking page cache for the copy. First as a clone (FICLONE: btrfs, XFS with reflink; no bytes are
 * copied at all), then with GNU dd, `oflag=direct` writing straight to disk (O_DIRECT; the
 * unaligned last block is written without it) and `conv=fsync` making it durable: Node has no
 * O_DIRECT writes with aligned buffers, so dd makes them.
 *
 * Why: a copy through the page cache takes as much new memory as it writes, at the moment the hour
 * needs memory most: the raw answer's backup copy runs beside the parse, and slowed it less this
 * way than through the page cache (docs/scaling.md §2.1).
 *
 * Resolves true once copied and on disk; false, leaving nothing at `to`, when the tuning is off, the file is smaller
 * than DROP_MIN_BYTES (cached pages cost little there) or neither way could copy it (no dd, a dd
 * without `oflag`, a file system refusing O_DIRECT; after one failure dd is not tried again): the
 * caller then copies another way. Never rejects.
 */
export async function copyUncached(from: string, to: string, bytes: number): Promise<boolean> {
  if (!tuned || bytes < DROP_MIN_BYTES) return false;
  const cloned = await copyFile(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE_FORCE).then(
    () => true,
    () => false,
  );
  if (cloned) return true;
  await rm(to, { force: true }).catch(() => undefined);
  if (unavailable || directCopyFails) return false;
  const code = await runDd([`if=${from}`, `of=${to}`, 'bs=4M', 'oflag=direct', 'conv=fsync']);
  if (code === 0) return true;
  if (code !== 'missing') directCopyFails = true;
  // A partial copy is never left behind for the caller's own copy to trip over.
  await rm(to, { force: true }).catch(() => undefined);
  return false;
}
