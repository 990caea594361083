/**
 * Splits a JSON array, fed as byte chunks, into the text of each top-level element, without
 * parsing the elements: the record-by-record path of the landing (a body the fast path refused,
 * or the few records it could not accept) needs each record's text as sent, to parse, check and
 * quarantine it alone. Bounded memory: only the element being read is held, and only when wanted.
 * Knows just enough JSON to find element boundaries: strings (with escapes) and nesting.
 */

export class NotAJsonArray extends Error {}

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const isOpen = (b: number) => b === 0x5b || b === 0x7b; // [ {
const isClose = (b: number) => b === 0x5d || b === 0x7d; // ] }
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const LEFT_BRACKET = 0x5b;
const RIGHT_BRACKET = 0x5d;

type State = 'start' | 'element' | 'after' | 'done';

export class JsonArraySplitter {
  private state: State = 'start';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private parts: Uint8Array[] = [];
  private started = false;
  private sawContent = false;
  private ordinal = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly lenient = new TextDecoder('utf-8');
  private offset = 0;

  /**
   * `wanted(ordinal)`: whether to keep that element's text (default: all). `utf8` is false when the
   * element's bytes are not UTF-8: `text` then holds U+FFFD in their place, for the quarantine only.
   */
  constructor(
    private readonly onElement: (ordinal: number, text: string, utf8: boolean) => void,
    private readonly wanted: (ordinal: number) => boolean = () => true,
  ) {}

  /** Elements seen so far. */
  get count(): number {
    return this.ordinal;
  }

  push(chunk: Uint8Array): void {
    let from = 0;
    let i = 0;
    // A UTF-8 byte-order mark before the array is skipped (RFC 8259 §8.1), as DuckDB's reader does.
    if (
      this.offset === 0 &&
      this.state === 'start' &&
      chunk[0] === 0xef &&
      chunk[1] === 0xbb &&
      chunk[2] === 0xbf
    )
      i = 3;
    this.offset += chunk.length;
    for (; i < chunk.length; i += 1) {
      const byte = chunk[i] as number;
      if (this.state === 'element') {
        if (
          !this.sawContent &&
          !isSpace(byte) &&
          !(this.depth === 0 && (byte === COMMA || byte === RIGHT_BRACKET))
        )
          this.sawContent = true;
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (byte === BACKSLASH) this.escaped = true;
          else if (byte === QUOTE) this.inString = false;
          continue;
        }
        if (byte === QUOTE) this.inString = true;
        else if (isOpen(byte)) this.depth += 1;
        else if (isClose(byte) && this.depth > 0) this.depth -= 1;
        else if (this.depth === 0 && (byte === COMMA || byte === RIGHT_BRACKET)) {
          this.keep(chunk.subarray(from, i));
          this.finishElement(byte);
          this.state = byte === COMMA ? 'element' : 'done';
          this.started = false;
          from = i + 1;
          if (byte === COMMA) this.beginElement();
        }
        continue;
      }
      if (isSpace(byte)) continue;
      if (this.state === 'start') {
        if (byte !== LEFT_BRACKET)
          throw new NotAJsonArray(`the body does not start with "[" (found ${describeByte(byte)})`);
        this.state = 'element';
        this.beginElement();
        from = i + 1;
        continue;
      }
      throw new NotAJsonArray(`unexpected ${describeByte(byte)} after the array's closing "]"`);
    }
    if (this.state === 'element') this.keep(chunk.subarray(from));
  }

  /** Ends the input; throws NotAJsonArray when the array was never closed. */
  end(): void {
    if (this.state === 'start') throw new NotAJsonArray('the body is empty');
    if (this.state !== 'done')
      throw new NotAJsonArray(
        `the array is not closed after ${this.ordinal} element(s): the body is truncated`,
      );
  }

  private beginElement(): void {
    this.parts = [];
    this.started = true;
    this.sawContent = false;
  }

  private keep(bytes: Uint8Array): void {
    if (this.started && bytes.length > 0 && this.wanted(this.ordinal))
      this.parts.push(Uint8Array.from(bytes));
  }

  private finishElement(terminator: number): void {
    // "[ ]" has no element; "[1, ]" has an empty one, which is not JSON: it is reported as such.
    if (!this.sawContent && this.ordinal === 0 && terminator === RIGHT_BRACKET) return;
    if (this.wanted(this.ordinal)) {
      const bytes = this.joined();
      let text: string;
      let utf8 = true;
      try {
        text = this.decoder.decode(bytes);
      } catch {
        text = this.lenient.decode(bytes);
        utf8 = false;
      }
      this.onElement(this.ordinal, text.trim(), utf8);
    }
    this.ordinal += 1;
    this.parts = [];
  }

  private joined(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0] as Uint8Array;
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const joined = new Uint8Array(total);
    let at = 0;
    for (const part of this.parts) {
      joined.set(part, at);
      at += part.length;
    }
    return joined;
  }
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `"${String.fromCharCode(byte)}"` : `byte 0x${byte.toString(16)}`;
}
