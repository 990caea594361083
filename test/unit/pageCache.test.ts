/**
 * Written-once files leave the page cache (adapters/files/pageCache.ts). What is cached is read
 * from the kernel by util-linux's `fincore`, independently of the code under test.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { LocalObjectStore } from '../../adapters/objectStore';
import { BackupStore } from '../../adapters/backup/store';
import {
  copyUncached,
  DROP_MIN_BYTES,
  dropFromPageCache,
  usePageCacheTuning,
} from '../../adapters/files/pageCache';
import { createHash } from 'node:crypto';

/** Bytes of `file` in the page cache. */
function cachedBytes(file: string): number {
  return Number(
    execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' }),
  );
}

/** The sha256 of a file's bytes, read whole (node:crypto, not the store's hashing). */
async function sha256OfFile(file: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');
}

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tp-pagecache-'));
  // PAGE_CACHE_TUNING=on: what this file checks is what the tuning does.
  usePageCacheTuning(true);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A child process's first statement: PAGE_CACHE_TUNING=on there too. */
const TUNED = `require(${JSON.stringify(path.resolve(__dirname, '../../adapters/files/pageCache.ts'))}).usePageCacheTuning(true);`;

/** A file of `bytes` random bytes, on disk (flushed) and still cached. */
async function writtenFile(name: string, bytes: number): Promise<string> {
  const file = path.join(dir, name);
  const handle = await fs.open(file, 'w');
  try {
    await handle.write(randomBytes(bytes));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return file;
}

test('a flushed file of DROP_MIN_BYTES or more leaves the page cache; a smaller one stays', async () => {
  const big = await writtenFile('big.bin', DROP_MIN_BYTES + 4096);
  const small = await writtenFile('small.bin', 1 << 20);
  expect(cachedBytes(big)).toBeGreaterThan(DROP_MIN_BYTES / 2);
  expect(cachedBytes(small)).toBe(1 << 20);

  await dropFromPageCache(big, DROP_MIN_BYTES + 4096);
  await dropFromPageCache(small, 1 << 20);

  expect(cachedBytes(big)).toBe(0);
  expect(cachedBytes(small)).toBe(1 << 20);
  // Dropping the cache never changes the bytes.
  expect((await fs.stat(big)).size).toBe(DROP_MIN_BYTES + 4096);
});

test('the folder object store leaves a large object it stored out of the page cache, whole', async () => {
  const root = path.join(dir, 'store');
  const store = new LocalObjectStore(root);
  const local = await writtenFile('answer.json', DROP_MIN_BYTES + 1);
  const expected = await fs.readFile(local);
  // Copied in (not handed over): the copy is the store's own file.
  const stored = await store.putFile('raw/answer.json', local);
  const file = await store.getFile('raw/answer.json', dir);
  expect(cachedBytes(file)).toBe(0);
  expect(stored.bytes).toBe(expected.length);
  expect((await fs.readFile(file)).equals(expected)).toBe(true);
});

test('an object stored to be read again soon stays cached until its backup copy has read it', async () => {
  const landing = new LocalObjectStore(path.join(dir, 'landing'));
  const local = await writtenFile('raw.json', DROP_MIN_BYTES + 8192);
  const expected = await fs.readFile(local);
  const sha256 = (await landing.putFile('raw/raw.json', local, { move: true, readSoon: true })).sha256;
  const file = await landing.getFile('raw/raw.json', dir);
  // Handed over and linked in place: still the cached file, not a copy read back from disk.
  expect(cachedBytes(file)).toBe(expected.length);

  const backup = new BackupStore(new LocalObjectStore(path.join(dir, 'backup')), dir);
  const storeId = randomUUID();
  expect(await backup.copyObjects(storeId, [{ key: 'raw/raw.json', sha256 }], landing)).toBe(1);

  // The copy read it whole, then dropped it; the backup's own copy is not left cached either.
  expect(cachedBytes(file)).toBe(0);
  const copy = path.join(dir, 'backup', storeId, 'objects', 'raw', 'raw.json');
  expect(cachedBytes(copy)).toBe(0);
  expect((await fs.readFile(copy)).equals(expected)).toBe(true);
  expect((await fs.readFile(file)).equals(expected)).toBe(true);
});

test('without dd, nothing fails: the file just stays cached', async () => {
  const file = await writtenFile('no-dd.bin', DROP_MIN_BYTES);
  expect(cachedBytes(file)).toBeGreaterThan(0);
  // In a process of its own: spawn looks dd up in the real environment, which jest does not lend.
  const module = path.resolve(__dirname, '../../adapters/files/pageCache.ts');
  const script = `const m = require(${JSON.stringify(module)}); m.usePageCacheTuning(true); m.dropFromPageCache(${JSON.stringify(file)}, ${DROP_MIN_BYTES}).then((r) => console.log('resolved', r))`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    env: { PATH: dir }, // no dd here
    encoding: 'utf8',
  });
  expect(out.trim()).toBe('resolved undefined');
  expect(cachedBytes(file)).toBeGreaterThan(0);
});

test('a large copy is written past the page cache, byte for byte; a small one is left to the caller', async () => {
  const bytes = DROP_MIN_BYTES + 12_345; // not a multiple of any block size: the last block is unaligned
  const source = await writtenFile('copy-source.bin', bytes);

  const direct = path.join(dir, 'copy-direct.bin');
  expect(await copyUncached(source, direct, bytes)).toBe(true);
  expect(cachedBytes(direct)).toBe(0);
  expect((await fs.stat(direct)).size).toBe(bytes);
  expect(await sha256OfFile(direct)).toBe(await sha256OfFile(source));

  // The same copy through the page cache is cached: fincore sees the difference.
  const plain = path.join(dir, 'copy-plain.bin');
  await fs.copyFile(source, plain);
  expect(cachedBytes(plain)).toBeGreaterThan(DROP_MIN_BYTES / 2);

  const small = await writtenFile('copy-small.bin', 1 << 20);
  const smallCopy = path.join(dir, 'copy-small-copy.bin');
  expect(await copyUncached(small, smallCopy, 1 << 20)).toBe(false);
  await expect(fs.stat(smallCopy)).rejects.toThrow(/ENOENT/);
});

test('without dd, a folder store still copies a large object whole', async () => {
  const bytes = DROP_MIN_BYTES + 7;
  const file = await writtenFile('no-dd-copy.bin', bytes);
  const root = path.join(dir, 'store-without-dd');
  const module = path.resolve(__dirname, '../../adapters/objectStore/index.ts');
  const script = `${TUNED} const { LocalObjectStore } = require(${JSON.stringify(module)}); new LocalObjectStore(${JSON.stringify(root)}).putFile('big', ${JSON.stringify(file)}).then((o) => console.log(o.bytes, o.sha256))`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    env: { PATH: dir }, // no dd here
    encoding: 'utf8',
  });
  const expected = await sha256OfFile(file);
  expect(out.trim()).toBe(`${bytes} ${expected}`);
  expect(await sha256OfFile(path.join(root, 'big'))).toBe(expected);
});

/** A `dd` on PATH for a child process: logs its arguments to `log`, then runs `then` (shell). */
async function fakeDd(name: string, log: string, then: string): Promise<string> {
  const bin = path.join(dir, name);
  await fs.mkdir(bin, { recursive: true });
  await fs.writeFile(path.join(bin, 'dd'), `#!/bin/sh\necho "$*" >> ${JSON.stringify(log)}\n${then}\n`, {
    mode: 0o755,
  });
  return bin;
}

/** Stores `file` under each of `keys` in a folder store at `root`, in a child process whose PATH is `pathDirs`. */
function putInChild(root: string, file: string, keys: string[], pathDirs: string[]): string {
  const module = path.resolve(__dirname, '../../adapters/objectStore/index.ts');
  const script = `${TUNED} const { LocalObjectStore } = require(${JSON.stringify(module)}); const store = new LocalObjectStore(${JSON.stringify(root)}); (async () => { for (const key of ${JSON.stringify(keys)}) { const o = await store.putFile(key, ${JSON.stringify(file)}); console.log(o.bytes, o.sha256); } })()`;
  return execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    env: { PATH: pathDirs.join(':') },
    encoding: 'utf8',
  });
}

/** Whether this file system clones files (then no copy needs dd). */
async function clones(): Promise<boolean> {
  const probe = await writtenFile('clone-probe.bin', 4096);
  return fs
    .copyFile(probe, `${probe}.clone`, fsConstants.COPYFILE_FICLONE_FORCE)
    .then(() => true)
    .catch(() => false);
}

test('the folder store copies a large object with dd oflag=direct, whole (unless the file system clones it)', async () => {
  const realDd = execFileSync('sh', ['-c', 'command -v dd'], { encoding: 'utf8' }).trim();
  const log = path.join(dir, 'dd-direct.log');
  const bin = await fakeDd('dd-logging', log, `exec ${realDd} "$@"`);
  const bytes = DROP_MIN_BYTES + 3;
  const file = await writtenFile('direct-copy.bin', bytes);
  const root = path.join(dir, 'store-direct');
  const out = putInChild(root, file, ['big'], [bin, path.dirname(realDd)]);
  const expected = await sha256OfFile(file);
  expect(out.trim()).toBe(`${bytes} ${expected}`);
  const copied = await sha256OfFile(path.join(root, 'big'));
  expect(copied).toBe(expected);
  const calls = await fs.readFile(log, 'utf8').catch(() => '');
  if (await clones()) expect(calls).toBe('');
  else expect(calls).toMatch(/^if=\S+ of=\S+ bs=4M oflag=direct conv=fsync status=none$/m);
});

test('a dd that fails a copy leaves no partial file, the store copies another way, and dd is not asked again', async () => {
  const log = path.join(dir, 'dd-failing.log');
  // Writes part of the copy, then fails, as a dd refusing O_DIRECT midway would.
  const bin = await fakeDd(
    'dd-failing',
    log,
    'for a in "$@"; do case $a in of=*) printf partial > "${a#of=}";; esac; done\nexit 1',
  );
  const bytes = DROP_MIN_BYTES + 5;
  const file = await writtenFile('failing-copy.bin', bytes);
  const root = path.join(dir, 'store-failing');
  const out = putInChild(root, file, ['first', 'second'], [bin]);
  const expected = await sha256OfFile(file);
  expect(out.trim().split('\n')).toEqual([`${bytes} ${expected}`, `${bytes} ${expected}`]);
  for (const key of ['first', 'second']) expect(await sha256OfFile(path.join(root, key))).toBe(expected);
  // Nothing partial left in the store's temporary folder.
  expect(await fs.readdir(path.join(root, '.tmp'))).toEqual([]);
  // Asked to copy once (the other calls in the log are page-cache drops, which fail quietly).
  const copies = (await fs.readFile(log, 'utf8')).split('\n').filter((line) => line.includes('oflag=direct'));
  if (!(await clones())) expect(copies).toHaveLength(1);
});

test('with PAGE_CACHE_TUNING off (the default), a stored object stays cached and dd is never run', async () => {
  const log = path.join(dir, 'dd-untuned.log');
  const bin = await fakeDd('dd-untuned', log, 'exit 1');
  const bytes = DROP_MIN_BYTES + 11;
  const file = await writtenFile('untuned.bin', bytes);
  const root = path.join(dir, 'store-untuned');
  const module = path.resolve(__dirname, '../../adapters/objectStore/index.ts');
  const script = `const { LocalObjectStore } = require(${JSON.stringify(module)}); new LocalObjectStore(${JSON.stringify(root)}).putFile('big', ${JSON.stringify(file)}).then((o) => console.log(o.bytes, o.sha256))`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
    env: { PATH: bin },
    encoding: 'utf8',
  });
  const expected = await sha256OfFile(file);
  expect(out.trim()).toBe(`${bytes} ${expected}`);
  expect(await fs.readFile(log, 'utf8').catch(() => '')).toBe('');
  expect(cachedBytes(path.join(root, 'big'))).toBeGreaterThan(DROP_MIN_BYTES / 2);
});
