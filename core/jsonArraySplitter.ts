/**
 * Splits a top-level JSON array, arriving as chunks of UTF-8 bytes, into the texts of its elements,
 * without parsing them: one malformed record must not cost the others (RFC 8259 grammar; only the
 * structure is followed: brackets, braces, strings and their escapes, commas). Incremental: memory
 * holds one element at a time. Pure: bytes in, record texts out.
 *
 * Every structural character is ASCII, so scanning bytes is safe inside multi-byte UTF-8
 * sequences. Elements are decoded one by one: an element that is not valid UTF-8 is still returned
 * (with U+FFFD in place of the bad bytes) and marked, so the caller can quarantine it with a reason.
 */

export interface RecordText {
  /** The element exactly as sent (decoded from UTF-8), surrounding whitespace trimmed. */
  text: string;
  /** False when the element's bytes were not valid UTF-8 (the text then holds U+FFFD). */
  utf8Valid: boolean;
}

export type BodyShapeProblem = 'not_an_array' | 'truncated' | 'text_after_array';

/** The body as a whole is not a JSON array: no element can be trusted, or none followed. */
export class BodyShapeError extends Error {
  constructor(
    readonly problem: BodyShapeProblem,
    /** Byte offset where the problem was seen. */
    readonly offset: number,
    message: string,
  ) {
    super(message);
    this.name = 'BodyShapeError';
  }
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

type State = 'start' | 'beforeElement' | 'element' | 'afterElement' | 'done';

export class JsonArraySplitter {
  private state: State = 'start';
  private offset = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private pieces: Uint8Array[] = [];
  private pieceStart = 0;
  private bomBytesSeen = 0;
  private elements = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly lenientDecoder = new TextDecoder('utf-8');

  /** Feeds the next chunk; returns the elements it completed, in order. Throws BodyShapeError. */
  push(chunk: Uint8Array): RecordText[] {
    const out: RecordText[] = [];
    this.pieceStart = 0;
    for (let i = 0; i < chunk.length; i += 1, this.offset += 1) {
      const byte = chunk[i] as number;
      switch (this.state) {
        case 'start':
          // A UTF-8 byte-order mark is tolerated before the array (RFC 8259 §8.1 allows ignoring it).
          if (this.offset === this.bomBytesSeen && byte === [0xef, 0xbb, 0xbf][this.bomBytesSeen]) {
            this.bomBytesSeen += 1;
            continue;
          }
          if (isSpace(byte)) continue;
          if (byte !== OPEN_BRACKET)
            throw new BodyShapeError('not_an_array', this.offset, 'the body does not start with "["');
          this.state = 'beforeElement';
          continue;
        case 'beforeElement':
        case 'afterElement':
          if (isSpace(byte)) continue;
          if (byte === CLOSE_BRACKET) {
            this.state = 'done';
            continue;
          }
          if (byte === COMMA) {
            // A stray or trailing comma separates nothing: tolerated, nothing is lost by it.
            this.state = 'beforeElement';
            continue;
          }
          if (this.state === 'afterElement')
            throw new BodyShapeError(
              'not_an_array',
              this.offset,
              `a record is followed by ${JSON.stringify(String.fromCharCode(byte))} instead of "," or "]"`,
            );
          this.state = 'element';
          this.depth = 0;
          this.inString = false;
          this.escaped = false;
          this.pieces = [];
          this.pieceStart = i;
          if (this.step(byte)) out.push(this.finish(chunk, i + 1));
          continue;
        case 'element': {
          // A scalar at depth 0 ends at the separator, which belongs to the array, not the element.
          if (
            this.depth === 0 &&
            !this.inString &&
            (byte === COMMA || byte === CLOSE_BRACKET || isSpace(byte))
          ) {
            out.push(this.finish(chunk, i));
            this.state = byte === CLOSE_BRACKET ? 'done' : byte === COMMA ? 'beforeElement' : 'afterElement';
            continue;
          }
          if (this.step(byte)) out.push(this.finish(chunk, i + 1));
          continue;
        }
        case 'done':
          if (!isSpace(byte))
            throw new BodyShapeError(
              'text_after_array',
              this.offset,
              'there is text after the array\'s closing "]"',
            );
      }
    }
    if (this.state === 'element') this.pieces.push(copy(chunk, this.pieceStart, chunk.length));
    return out;
  }

  /** Ends the body: throws BodyShapeError('truncated') unless the array was closed. */
  end(): void {
    if (this.state === 'done') return;
    if (this.state === 'start')
      throw new BodyShapeError('not_an_array', this.offset, 'the body is empty or only whitespace');
    throw new BodyShapeError(
      'truncated',
      this.offset,
      `the body ends after ${this.offset} bytes inside the array (after ${this.elements} complete records): it was cut short`,
    );
  }

  /** Follows one byte inside an element; true when that byte closes the element. */
  private step(byte: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (byte === BACKSLASH) this.escaped = true;
      else if (byte === QUOTE) {
        this.inString = false;
        return this.depth === 0;
      }
      return false;
    }
    if (byte === QUOTE) this.inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth += 1;
    else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      this.depth -= 1;
      if (this.depth <= 0) {
        this.state = 'afterElement';
        return true;
      }
    }
    return false;
  }

  private finish(chunk: Uint8Array, end: number): RecordText {
    this.pieces.push(copy(chunk, this.pieceStart, end));
    const bytes = concat(this.pieces);
    this.pieces = [];
    this.elements += 1;
    if (this.state === 'element') this.state = 'afterElement';
    let text: string;
    let utf8Valid = true;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      utf8Valid = false;
      text = this.lenientDecoder.decode(bytes);
    }
    return { text: text.trim(), utf8Valid };
  }
}

/** A copy, not a view: a Node Buffer's slice shares memory with a chunk its producer may reuse. */
function copy(chunk: Uint8Array, start: number, end: number): Uint8Array {
  return Uint8Array.prototype.slice.call(chunk, start, end);
}

function concat(pieces: readonly Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0] as Uint8Array;
  const out = new Uint8Array(pieces.reduce((n, piece) => n + piece.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/** Splits a whole body at once (tests, small bodies). */
export function splitJsonArray(body: Uint8Array): RecordText[] {
  const splitter = new JsonArraySplitter();
  const records = splitter.push(body);
  splitter.end();
  return records;
}
