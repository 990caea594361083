/**
 * A view of an object store under a key prefix: every key given is put under it, every key
 * returned has it taken off. How a database's store id scopes the shared landing store
 * (adapters/db/storeIdentity.ts): code holding the view cannot reach another database's objects.
 */
import type { ListedObject, ObjectStore, ObjectWrite, StoredObject, PutOptions } from './types';

export class PrefixedObjectStore implements ObjectStore {
  readonly url: string;

  /** `prefix` ends with "/" and is a valid key start (core/storeLocation). */
  constructor(
    readonly inner: ObjectStore,
    readonly prefix: string,
  ) {
    if (!prefix.endsWith('/')) throw new RangeError(`a store prefix ends with "/": ${prefix}`);
    this.url = `${inner.url.replace(/\/?$/, '/')}${prefix}`;
  }

  async putFile(key: string, localPath: string, options?: PutOptions): Promise<StoredObject> {
    const stored = await this.inner.putFile(this.prefix + key, localPath, options);
    return { ...stored, key };
  }

  openWrite(key: string): ObjectWrite {
    const write = this.inner.openWrite(this.prefix + key);
    return { ...write, complete: async () => ({ ...(await write.complete()), key }) };
  }

  async replaceFile(key: string, localPath: string, sha256: string): Promise<StoredObject> {
    const stored = await this.inner.replaceFile(this.prefix + key, localPath, sha256);
    return { ...stored, key };
  }

  getFile(key: string, scratchDir: string): Promise<string> {
    return this.inner.getFile(this.prefix + key, scratchDir);
  }

  openRead(key: string): Promise<NodeJS.ReadableStream> {
    return this.inner.openRead(this.prefix + key);
  }

  stat(key: string): Promise<{ bytes: number } | undefined> {
    return this.inner.stat(this.prefix + key);
  }

  check(): Promise<void> {
    return this.inner.check();
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    for await (const object of this.inner.list(this.prefix + prefix)) {
      yield { ...object, key: object.key.slice(this.prefix.length) };
    }
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(this.prefix + key);
  }
}
