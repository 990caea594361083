/**
 * Cuts a large JSON-array body into part files that DuckDB reads in parallel, one thread each
 * (core/arrayCut.ts says where, and why a wrong cut can only make DuckDB refuse a part): read and
 * checked in parallel, a large body is read faster (docs/scaling.md §2.1). Small bodies,
 * or bodies with no cut found near the marks, stay whole.
 *
 * The parts go into files the worker reuses (`PartFiles`), overwritten in place and truncated: a
 * write into a file's cached pages takes no new memory from the kernel. On a host that backs guest
 * memory lazily, new memory is costly the first time it is touched, and parts written to new files
 * each hour made every later hour slower (docs/scaling.md §2.1).
 */
import {
  closeSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  openSync,
  type WriteStream,
} from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { cutMarks, findCutCandidate, partCount, partRanges, StreamingCut } from '../../core/arrayCut';

/**
 * Below this many bytes per part, cutting gains too little over one thread parsing the whole
 * body (docs/scaling.md §2.1).
 */
const MIN_PART_BYTES = 4 << 20;
/** How far past each mark a cut is looked for. */
const WINDOW_BYTES = 1 << 20;

/**
 * Sets of part files, `perSet` files a set, in `dir`: one set for each landing running at once in
 * this process, each reused landing after landing.
 */
export class PartFiles {
  private readonly free: string[][] = [];
  private made = 0;

  constructor(
    private readonly dir: string,
    private readonly perSet: number,
  ) {}

  /** A set no other landing is using until `release`. */
  acquire(): { files: readonly string[]; release(): void } {
    const files = this.free.pop() ?? this.newSet();
    let released = false;
    return {
      files,
      release: () => {
        if (released) return;
        released = true;
        this.free.push(files);
      },
    };
  }

  private newSet(): string[] {
    const set = this.made;
    this.made += 1;
    return Array.from({ length: this.perSet }, (_, i) => path.join(this.dir, `set-${set}`, `part-${i}.json`));
  }
}

/** A stream writing `file` from its start over what it holds (created when missing); see `endPart`. */
function overwrite(file: string): WriteStream {
  mkdirSync(path.dirname(file), { recursive: true });
  closeSync(openSync(file, 'a')); // created when missing, kept as it is otherwise
  return createWriteStream(file, { flags: 'r+', highWaterMark: 1 << 20 });
}

/** Ends a part's stream with `last`, then cuts the file to what this stream wrote. */
async function endPart(out: WriteStream, last: string): Promise<void> {
  if (!out.writableEnded) out.end(last);
  await finished(out);
  await fs.truncate(out.path as string, out.bytesWritten);
}

/**
 * The files to read: `[bodyPath]`, or the body cut into the first of `targets` (one per DuckDB
 * thread), each part at least `minPartBytes` long (tests use small parts).
 */
export async function cutBody(
  bodyPath: string,
  targets: readonly string[],
  minPartBytes = MIN_PART_BYTES,
): Promise<string[]> {
  const { size } = await fs.stat(bodyPath);
  const count = partCount(size, targets.length, minPartBytes);
  if (count < 2) return [bodyPath];
  const handle = await fs.open(bodyPath, 'r');
  const cuts: number[] = [];
  try {
    for (const mark of cutMarks(size, count)) {
      const window = Buffer.alloc(Math.min(WINDOW_BYTES, size - mark));
      const { bytesRead } = await handle.read(window, 0, window.length, mark);
      const at = findCutCandidate(window.subarray(0, bytesRead));
      if (at === undefined) return [bodyPath];
      cuts.push(mark + at);
    }
  } finally {
    await handle.close();
  }
  const ranges = partRanges(size, cuts);
  const files = targets.slice(0, ranges.length);
  await Promise.all(
    ranges.map(async (range, i) => {
      const out = overwrite(files[i] as string);
      if (range.open) out.write('[');
      await pipeline(
        createReadStream(bodyPath, { start: range.start, end: range.end - 1, highWaterMark: 1 << 20 }),
        out,
        { end: false },
      );
      await endPart(out, range.close ? ']' : '');
    }),
  );
  return files;
}

export interface PartWriter {
  /** Passes the body through unchanged, writing its parts on the way. */
  readonly stream: Transform;
  /** The part files once `stream` has finished; [] when the body was not cut in two or more. */
  files(): string[];
}

/**
 * A part file could not be written (a full or failing scratch disk): the download fails with it,
 * retryably, and is not blamed on the partner.
 */
export class PartWriteFailed extends Error {
  constructor(file: string, cause: unknown) {
    super(`cannot write the part file ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'PartWriteFailed';
  }
}

/**
 * Cuts a body into the first of `targets` while it streams past (a download), at the cuts `cutBody`
 * would find in the stored body (when one lies within its window): the landing then reads the parts
 * without copying the body again (docs/scaling.md §2.1). `declaredBytes` (Content-Length) sets
 * the marks; unknown, or too small to cut, nothing is written. When no cut is found near a mark,
 * writing stops and `files()` is [] (the landing then calls `cutBody`, over the same targets). A part that cannot be written fails the stream with
 * `PartWriteFailed`; the stream is settled only once every part file is closed, so a failed
 * download never writes into a set handed out again.
 */
export function partWriter(
  targets: readonly string[],
  declaredBytes: number | undefined,
  minPartBytes = MIN_PART_BYTES,
): PartWriter {
  const count =
    declaredBytes === undefined || !Number.isFinite(declaredBytes)
      ? 1
      : partCount(declaredBytes, targets.length, minPartBytes);
  if (count < 2)
    return { stream: new Transform({ transform: (chunk, _e, done) => done(null, chunk) }), files: () => [] };
  const cut = new StreamingCut(cutMarks(declaredBytes as number, count), WINDOW_BYTES);
  const outs: WriteStream[] = [];
  const ended: Promise<void>[] = [];
  // Set from stream callbacks; read through `failure()` after awaits, where a plain read would be
  // narrowed to its value before them.
  const state: { failed?: PartWriteFailed } = {};
  const failure = () => state.failed;
  let out: WriteStream | undefined;
  const open = () => {
    const file = targets[outs.length] as string;
    let next: WriteStream;
    try {
      next = overwrite(file);
    } catch (error) {
      throw (state.failed ??= new PartWriteFailed(file, error));
    }
    next.on('error', (error) => {
      state.failed ??= new PartWriteFailed(file, error);
      stream.destroy(state.failed);
    });
    outs.push(next);
    return next;
  };
  // Writes each piece; resolves once the part being written can take more (backpressure), or
  // rejects when a part failed.
  const write = async (pieces: ReturnType<StreamingCut['push']>) => {
    if (cut.gaveUp || state.failed) return;
    out ??= open();
    let full = false;
    for (const piece of pieces) {
      if (piece === 'cut') {
        const previous = out;
        const ending = endPart(previous, ']').catch((error: unknown) => {
          throw new PartWriteFailed(previous.path as string, error);
        });
        ending.catch(() => undefined); // awaited in flush, settled in destroy
        ended.push(ending);
        out = open();
        full = !out.write('[');
      } else full = !out.write(piece);
    }
    if (full) {
      const waiting = out;
      await new Promise<void>((resolve) => {
        const go = () => {
          waiting.off('drain', go).off('close', go);
          resolve();
        };
        waiting.on('drain', go).on('close', go);
      });
    }
    const failed = failure();
    if (failed) throw failed;
  };
  let done = false;
  const stream: Transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      write(cut.push(chunk)).then(() => callback(null, chunk), callback);
    },
    flush(callback) {
      write(cut.end())
        .then(() => Promise.all([...ended, ...(out === undefined ? [] : [endPart(out, '')])]))
        .then(() => {
          done = true;
        })
        .then(() => callback(), callback);
    },
    destroy(error, callback) {
      // A broken download, or a part that failed: the parts are never read (`files()` stays []).
      for (const each of outs) each.destroy();
      void Promise.allSettled([...ended, ...outs.map((each) => finished(each))]).then(() => callback(error));
    },
  });
  const files = () => outs.map((each) => each.path as string);
  return { stream, files: () => (done && !cut.gaveUp && outs.length > 1 ? files() : []) };
}
