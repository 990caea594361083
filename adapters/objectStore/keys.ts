/** What every object store shares: the key rule as a store error, and streaming checksums. */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { ObjectStoreError } from '../../core/errors';
import { checkObjectKey } from '../../core/storeLocation';

/** Throws a non-retryable ObjectStoreError when `key` breaks core/storeLocation's key rule. */
export function checkKey(store: string, key: string): void {
  try {
    checkObjectKey(key);
  } catch (error) {
    throw new ObjectStoreError(`${store}: ${(error as Error).message}`, { retryable: false });
  }
}

/** A list prefix: '' (everything), or the start of a key (may end with "/" or mid-segment). */
export function checkPrefix(store: string, prefix: string): void {
  if (prefix !== '') checkKey(store, prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

/** Size and lower-case hex sha256 of a stream's bytes, read once in bounded memory. */
export async function sha256OfStream(
  stream: AsyncIterable<unknown>,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** A pass-through stream that counts and hashes what goes through it (`digest` once it ended). */
export function hashingStream(): { stream: Transform; digest(): { bytes: number; sha256: string } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, digest: () => ({ bytes, sha256: hash.digest('hex') }) };
}
