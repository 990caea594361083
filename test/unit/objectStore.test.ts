/** The folder object store against the ObjectStore contract, plus what only a folder can show. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalObjectStore, PrefixedObjectStore, openObjectStore } from '../../adapters/objectStore';
import { loadConfig } from '../../config';
import { isObjectStoreError } from '../../core/errors';
import { objectStoreContract } from '../support/objectStoreContract';

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => fs.rm(root, { recursive: true, force: true })));
});
async function newRoot(): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'tp-store-'));
  roots.push(root);
  return root;
}

describe('LocalObjectStore', () => {
  objectStoreContract(async () => new LocalObjectStore(await newRoot()));

  test('objects are plain files under their key, and no temporary file is left', async () => {
    const root = await newRoot();
    const store = new LocalObjectStore(root);
    const source = path.join(root, '..', `${path.basename(root)}-src`);
    roots.push(source);
    await fs.writeFile(source, 'bytes');
    await store.putFile('x/y/z.bin', source);
    expect(await fs.readFile(path.join(root, 'x', 'y', 'z.bin'), 'utf8')).toBe('bytes');
    expect(await fs.readdir(path.join(root, '.tmp'))).toEqual([]);
    expect(await store.getFile('x/y/z.bin', '/unused')).toBe(path.join(root, 'x', 'y', 'z.bin'));
  });

  test('a file handed over on the same file system is linked, not copied; otherwise it is copied', async () => {
    const root = await newRoot();
    const store = new LocalObjectStore(root);
    const handed = path.join(root, '..', `${path.basename(root)}-handed`);
    roots.push(handed);
    await fs.writeFile(handed, 'answer');
    await store.putFile('raw/answer.json', handed, { move: true });
    const [from, stored] = await Promise.all([
      fs.stat(handed),
      fs.stat(path.join(root, 'raw', 'answer.json')),
    ]);
    expect(stored.ino).toBe(from.ino);
    // Without `move` the object is a copy of its own.
    await store.putFile('raw/copy.json', handed);
    expect((await fs.stat(path.join(root, 'raw', 'copy.json'))).ino).not.toBe(from.ino);
  });
});

describe('PrefixedObjectStore (a database view of a shared store)', () => {
  objectStoreContract(
    async () =>
      new PrefixedObjectStore(new LocalObjectStore(await newRoot()), '0b5e3c1e-6a4d-4f3e-9c1a-2d7e8f9a0b1c/'),
  );
});

describe('openObjectStore', () => {
  const { s3 } = loadConfig({});

  test('a plain path and a file:// URL open the same folder', async () => {
    const root = await newRoot();
    const plain = openObjectStore(root, s3);
    const url = openObjectStore(`file://${root}`, s3);
    expect(plain).toBeInstanceOf(LocalObjectStore);
    expect(url).toBeInstanceOf(LocalObjectStore);
    expect(plain.url).toBe(`file://${root}`);
    expect(url.url).toBe(plain.url);
  });

  test.each([['s3://No_Such/x'], ['ftp://host/x'], ['file://host/x'], ['s3://ab']])(
    '%s is refused with a clear error',
    (url) => {
      let thrown: unknown;
      try {
        openObjectStore(url, s3);
      } catch (error) {
        thrown = error;
      }
      expect(isObjectStoreError(thrown)).toBe(true);
    },
  );
});
