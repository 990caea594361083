/**
 * A landing folder on a small tmpfs of its own (50 MB) that a test fills up (ENOSPC) and frees:
 * the "landing folder's disk full" fault against a real file system. Registers its jest hooks
 * (mount, lazy unmount); needs root (mount), as the machine's tests run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface FullDisk {
  /** The landing folder on the tmpfs (LANDING_STORE_URL). */
  landing: () => string;
  /** Writes until not even a page is left (ENOSPC), in 1 MiB then 4 KiB writes. */
  fill: () => void;
  /** Frees what `fill` took. */
  free: () => void;
}

export function useFullDisk(prefix: string): FullDisk {
  let mountDir = '';
  const filler = () => path.join(mountDir, 'filler');
  beforeAll(() => {
    mountDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=50m', 'tmpfs', mountDir]);
    fs.mkdirSync(path.join(mountDir, 'landing'));
  });
  afterAll(() => {
    if (!mountDir) return;
    execFileSync('umount', ['-l', mountDir]);
    fs.rmSync(mountDir, { recursive: true, force: true });
  });
  return {
    landing: () => path.join(mountDir, 'landing'),
    fill: () => {
      const fd = fs.openSync(filler(), 'w');
      try {
        for (const size of [1024 * 1024, 4096]) {
          const chunk = Buffer.alloc(size, 7);
          try {
            for (;;) fs.writeSync(fd, chunk);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          }
        }
      } finally {
        fs.closeSync(fd);
      }
    },
    free: () => fs.rmSync(filler()),
  };
}
