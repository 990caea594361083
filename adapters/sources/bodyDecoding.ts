/**
 * Decodes an HTTP answer's body into the UTF-8 bytes the landing reads, from what its headers
 * declare: `Content-Encoding` (gzip, deflate, br; RFC 9110 §8.4) and the `charset` of
 * `Content-Type` (RFC 9110 §8.3.2; labels as the WHATWG Encoding Standard reads them, so
 * `ISO-8859-1` decodes as windows-1252, its superset). Undeclared or UTF-8 text passes through
 * untouched, a byte-order mark included (the landing skips it, core/bodyShape.ts).
 *
 * A body declared gzip whose first bytes are not gzip's magic number (RFC 1952 §2.3.1) is plain
 * text a misconfigured server labelled: it is read as it is, with a warning, since no gzip stream
 * can start otherwise.
 */
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

export interface BodyDecoders {
  /** The decoding stages, in order (none for a plain UTF-8 body). */
  streams: Transform[];
  /** Whether the bytes written differ from the bytes received (Content-Length is not their size). */
  changesBytes: boolean;
  /** The content coding declared, or 'identity'. */
  encoding: string;
  /** A compressed stream carries its own end (and, for gzip, its length and CRC-32). */
  selfDelimiting: boolean;
  /** Whether the compressed stream was decoded to its end. */
  completed(): boolean;
  warnings(): string[];
  /** What a decoding failure means for the message, or undefined when it is no decoding failure. */
  describeFailure(cause: unknown, cut: boolean): { message: string; retryable: boolean } | undefined;
}

const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8']);

/** Throws an Error saying what cannot be decoded (an unknown coding or charset). */
export function bodyDecoders(
  contentEncoding: string | undefined,
  contentType: string | undefined,
): BodyDecoders {
  const encoding = (contentEncoding ?? '').trim().toLowerCase() || 'identity';
  const warnings: string[] = [];
  const streams: Transform[] = [];
  let content: ContentDecoder | undefined;
  if (encoding !== 'identity') {
    if (!['gzip', 'x-gzip', 'deflate', 'br'].includes(encoding))
      throw new Error(
        `a body with Content-Encoding: ${encoding}, which is not supported (gzip, deflate, br are)`,
      );
    content = new ContentDecoder(encoding, warnings);
    streams.push(content);
  }
  const charset = charsetOf(contentType);
  let charsetStage: CharsetDecoder | undefined;
  if (charset !== undefined && !UTF8_LABELS.has(charset)) {
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(charset, { fatal: true });
    } catch {
      throw new Error(`a body in charset "${charset}" (Content-Type), which cannot be decoded`);
    }
    charsetStage = new CharsetDecoder(decoder);
    streams.push(charsetStage);
  }
  return {
    streams,
    changesBytes: streams.length > 0,
    encoding,
    selfDelimiting: content !== undefined,
    completed: () => content?.completed === true,
    warnings: () => [
      ...warnings,
      ...(charsetStage ? [`the body was decoded from its declared charset ${charset} into UTF-8`] : []),
    ],
    describeFailure(cause, cut) {
      if (cause === charsetStage?.failure)
        return {
          message: `is not valid ${charset} text, as its Content-Type declares: ${errorMessage(cause)}`,
          retryable: false,
        };
      if (content !== undefined && cause === content.failure) {
        if (cut)
          return {
            message: `is cut short: its ${encoding} stream ends early (${errorMessage(cause)})`,
            retryable: true,
          };
        return {
          message: `is declared Content-Encoding: ${encoding} but is not a valid ${encoding} stream (${errorMessage(cause)})`,
          retryable: false,
        };
      }
      return undefined;
    },
  };
}

/** The `charset` parameter of a Content-Type, lower-cased and unquoted; undefined when absent. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(contentType ?? '');
  return match?.[2]?.toLowerCase();
}

/** Decompresses, once its first bytes show it is compressed; passes a mislabelled plain body through. */
class ContentDecoder extends Transform {
  completed = false;
  failure: unknown;
  private inner: zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress | undefined;
  private plain = false;
  private head: Buffer = Buffer.alloc(0);

  constructor(
    private readonly encoding: string,
    private readonly warnings: string[],
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.inner === undefined && !this.plain) {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 2) return done();
      this.decide();
      chunk = this.head;
    }
    this.feed(chunk, done);
  }

  override _flush(done: TransformCallback): void {
    if (this.inner === undefined && !this.plain) {
      if (this.head.length === 0) {
        this.completed = true;
        return done();
      }
      this.decide();
      return this.feed(this.head, (error) => (error ? done(error) : this._flush(done)));
    }
    if (this.plain) return done();
    const inner = this.inner as NonNullable<typeof this.inner>;
    inner.once('end', () => {
      this.completed = true;
      done();
    });
    inner.end();
  }

  private decide(): void {
    const gzip = this.head[0] === 0x1f && this.head[1] === 0x8b;
    if ((this.encoding === 'gzip' || this.encoding === 'x-gzip') && !gzip) {
      this.plain = true;
      this.warnings.push(
        `the body is declared Content-Encoding: ${this.encoding} but is not compressed (it starts with ${JSON.stringify(this.head.subarray(0, 16).toString('latin1'))}): read as plain text`,
      );
      return;
    }
    // deflate: zlib-wrapped (RFC 1950, first byte 0x78 for the usual window) or, as some servers send it, raw.
    this.inner =
      this.encoding === 'br'
        ? zlib.createBrotliDecompress()
        : this.encoding === 'deflate'
          ? this.head[0] === 0x78
            ? zlib.createInflate()
            : zlib.createInflateRaw()
          : zlib.createGunzip();
    this.inner.on('data', (data: Buffer) => this.push(data));
    this.inner.on('error', (error) => {
      this.failure = error;
      this.destroy(error);
    });
  }

  private feed(chunk: Buffer, done: TransformCallback): void {
    if (this.plain) return done(null, chunk);
    (this.inner as NonNullable<typeof this.inner>).write(chunk, (error) => done(error ?? undefined));
  }
}

/** Transcodes text in a declared charset into UTF-8, streamed. */
class CharsetDecoder extends Transform {
  failure: unknown;

  constructor(private readonly decoder: TextDecoder) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      done(null, Buffer.from(this.decoder.decode(chunk, { stream: true }), 'utf8'));
    } catch (error) {
      this.failure = error;
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      done(null, Buffer.from(this.decoder.decode(), 'utf8'));
    } catch (error) {
      this.failure = error;
      done(error as Error);
    }
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error || (typeof error === 'object' && error !== null && 'message' in error)
    ? String((error as { message: unknown }).message)
    : String(error);
}
