/**
 * Gzip'd NDJSON (one JSON object a line), written from an async iterable of rows and read back
 * as one, both streamed: memory holds one chunk of lines, never a table.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import { hashingStream } from '../objectStore/keys';

/** About 64 KiB of lines per chunk handed to gzip: fewer, larger writes. */
const CHUNK_CHARS = 64 * 1024;

/** Writes `rows` to `file` as gzip'd NDJSON; resolves with the number of rows. */
export async function writeNdjsonGzip(
  rows: AsyncIterable<object> | Iterable<object>,
  file: string,
): Promise<number> {
  let count = 0;
  async function* lines(): AsyncGenerator<string> {
    let chunk = '';
    for await (const row of rows) {
      chunk += JSON.stringify(row) + '\n';
      count += 1;
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk !== '') yield chunk;
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(file, { flags: 'wx' }));
  return count;
}

export interface ReadTally {
  bytes: number;
  sha256: string;
  rows: number;
}

/**
 * The rows of a gzip'd NDJSON stream, one at a time. The compressed bytes are hashed as they pass;
 * once the stream is exhausted, `done(tally)` is called with their size, sha256 and the row count,
 * so the caller can check them before trusting what it read. Decompression or JSON errors reject.
 */
export async function* readNdjsonGzip(
  raw: NodeJS.ReadableStream,
  done: (tally: ReadTally) => void,
): AsyncGenerator<unknown> {
  const hashing = hashingStream();
  const tap = hashing.stream;
  const gunzip = createGunzip();
  // Errors anywhere upstream end the iteration below with that error.
  (raw as Readable).once('error', (error) => gunzip.destroy(error));
  tap.once('error', (error) => gunzip.destroy(error));
  raw.pipe(tap).pipe(gunzip);
  let rows = 0;
  let carry = '';
  // A character's bytes may straddle two chunks: the decoder keeps the start for the next one.
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of gunzip) {
      const text = carry + decoder.write(chunk as Buffer);
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      for (const line of lines) {
        rows += 1;
        yield JSON.parse(line) as unknown;
      }
    }
  } finally {
    // A consumer that stops early must not leave the source open.
    (raw as Readable).destroy?.();
  }
  carry += decoder.end();
  if (carry !== '') {
    rows += 1;
    yield JSON.parse(carry) as unknown;
  }
  done({ ...hashing.digest(), rows });
}
