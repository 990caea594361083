/**
 * What a body that is not one JSON array is instead, found by following its structure (strings,
 * escapes, nesting) without parsing its values: newline-delimited JSON, an object wrapping the
 * array, a closed array followed by text (a PHP notice) or by more arrays, an array cut short.
 * Each is named for what it is, with where it was seen, so an operator reads "text follows the
 * array's closing bracket at byte 412: "<br />…"" rather than a parser's "unexpected token".
 * Pure and streamed: feed chunks, then read `shape()`. Memory is bounded (a few short snippets).
 *
 * A UTF-8 byte-order mark at the start is skipped, as RFC 8259 §8.1 allows a parser to.
 */

export type TopKind = 'array' | 'object' | 'string' | 'other';

export interface TopValue {
  kind: TopKind;
  /** Byte offset of its first byte. */
  start: number;
  /** Byte offset just past its last byte; undefined when the body ends inside it. */
  end?: number;
}

export interface BodyShape {
  size: number;
  bom: boolean;
  /** The first top-level values (at most MAX_VALUES), in order. */
  values: TopValue[];
  /** How many top-level values start in the body (counted past MAX_VALUES). */
  valueCount: number;
  /** Elements of the first value when it is an array. */
  elements: number;
  /** Text after the first value, when there is any: where it starts and its first bytes. */
  after?: { at: number; text: string };
  /** Keys of the first value, when it is an object, whose value is an array. */
  arrayKeys: string[];
  /** Whether every value after the first starts on a new line (newline-delimited JSON). */
  oneValuePerLine: boolean;
}

const MAX_VALUES = 3;
const SNIPPET_BYTES = 80;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

export class BodyShapeScanner {
  private offset = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private stopped = false;
  private bomChecked = false;
  private bom = false;
  private readonly values: TopValue[] = [];
  private valueCount = 0;
  private elements = 0;
  private elementOpen = false;
  private after?: { at: number; text: string };
  private afterBytes: number[] = [];
  private readonly arrayKeys: string[] = [];
  private keyBytes: number[] | undefined;
  private lastKey: string | undefined;
  private awaitingValueOf: string | undefined;
  private keyPosition = false;
  private sawNewline = true;
  private oneValuePerLine = true;

  push(chunk: Uint8Array): void {
    let i = 0;
    if (!this.bomChecked && this.offset === 0 && chunk.length >= 3) {
      this.bomChecked = true;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        this.bom = true;
        i = 3;
      }
    }
    for (; i < chunk.length && !this.stopped; i += 1) this.byte(chunk[i] as number, this.offset + i);
    // Stopped at text that is no JSON: what follows the first value is still quoted, up to a snippet.
    for (; i < chunk.length && this.afterBytes.length < SNIPPET_BYTES && this.after !== undefined; i += 1)
      this.afterBytes.push(chunk[i] as number);
    this.offset += chunk.length;
  }

  shape(): BodyShape {
    return {
      size: this.offset,
      bom: this.bom,
      values: this.values,
      valueCount: this.valueCount,
      elements: this.elements,
      after: this.after === undefined ? undefined : { ...this.after, text: decode(this.afterBytes) },
      arrayKeys: this.arrayKeys,
      oneValuePerLine: this.oneValuePerLine,
    };
  }

  private byte(b: number, at: number): void {
    if (this.after !== undefined && this.afterBytes.length < SNIPPET_BYTES) this.afterBytes.push(b);
    if (this.inString) {
      if (this.keyBytes !== undefined && !(b === 0x22 && !this.escaped)) this.keyBytes.push(b);
      if (this.escaped) this.escaped = false;
      else if (b === 0x5c) this.escaped = true;
      else if (b === 0x22) {
        this.inString = false;
        if (this.keyBytes !== undefined) {
          this.lastKey = decode(this.keyBytes);
          this.keyBytes = undefined;
        }
        if (this.depth === 0) this.closeTop(at + 1);
      }
      return;
    }
    if (this.depth === 0) return this.topByte(b, at);
    if (this.awaitingValueOf !== undefined && !isSpace(b)) {
      if (b === 0x5b) this.arrayKeys.push(this.awaitingValueOf);
      this.awaitingValueOf = undefined;
    }
    const first = this.values[0];
    const inFirst = this.valueCount === 1;
    if (b === 0x22) {
      this.inString = true;
      // A key of the first value, an object: collected to name the array it may wrap.
      if (inFirst && first?.kind === 'object' && this.depth === 1 && this.keyPosition) this.keyBytes = [];
      if (inFirst && first?.kind === 'array' && this.depth === 1) this.elementSeen();
      return;
    }
    if (b === 0x5b || b === 0x7b) {
      if (inFirst && first?.kind === 'array' && this.depth === 1) this.elementSeen();
      this.depth += 1;
      this.keyPosition = b === 0x7b;
      return;
    }
    if (b === 0x5d || b === 0x7d) {
      this.depth -= 1;
      if (this.depth === 0) this.closeTop(at + 1);
      return;
    }
    if (b === 0x3a) {
      if (inFirst && first?.kind === 'object' && this.depth === 1 && this.lastKey !== undefined)
        this.awaitingValueOf = this.lastKey;
      this.keyPosition = false;
      return;
    }
    if (b === 0x2c) {
      if (inFirst && first?.kind === 'array' && this.depth === 1) this.elementOpen = false;
      this.keyPosition = true;
      return;
    }
    if (!isSpace(b) && inFirst && first?.kind === 'array' && this.depth === 1) this.elementSeen();
  }

  private elementSeen(): void {
    if (this.elementOpen) return;
    this.elementOpen = true;
    this.elements += 1;
  }

  private topByte(b: number, at: number): void {
    if (b === 0x0a) this.sawNewline = true;
    if (isSpace(b)) return;
    const open = this.values.at(-1);
    if (open !== undefined && open.kind === 'other' && open.end === undefined) return;
    if (this.valueCount === 1 && this.after === undefined) {
      this.after = { at, text: '' };
      this.afterBytes = [b];
    }
    if (this.valueCount > 0 && !this.sawNewline) this.oneValuePerLine = false;
    this.sawNewline = false;
    const kind: TopKind = b === 0x5b ? 'array' : b === 0x7b ? 'object' : b === 0x22 ? 'string' : 'other';
    this.valueCount += 1;
    if (this.values.length < MAX_VALUES) this.values.push({ kind, start: at });
    if (kind === 'other') {
      // Text that is no JSON structure (a number, a word, a notice): nothing more to follow.
      this.stopped = this.valueCount > 1;
      return;
    }
    if (kind === 'string') this.inString = true;
    else {
      this.depth = 1;
      this.keyPosition = kind === 'object';
    }
  }

  private closeTop(end: number): void {
    const value = this.values[this.valueCount - 1];
    if (value !== undefined) value.end = end;
  }
}

/** Scans a whole body held in memory (tests, small bodies). */
export function bodyShape(body: Uint8Array): BodyShape {
  const scanner = new BodyShapeScanner();
  scanner.push(body);
  return scanner.shape();
}

export interface ShapeVerdict {
  /** Completes "the body from <url> …". */
  message: string;
  /** Only a body cut short in transit can come whole next time. */
  retryable: boolean;
}

/**
 * Null when the body is one JSON array and nothing else; otherwise what it is. `head`: its first
 * bytes, quoted in the message.
 */
export function judgeShape(shape: BodyShape, head: string): ShapeVerdict | null {
  const [first, second] = shape.values;
  const size = `${shape.size} bytes`;
  const starts = `it starts ${quote(head)}`;
  if (first === undefined)
    return { message: `is empty (${size}${shape.bom ? ', a byte-order mark only' : ''})`, retryable: true };
  if (first.kind === 'other') return { message: `is not JSON (${size}); ${starts}`, retryable: false };
  if (first.end === undefined) {
    if (first.kind === 'array')
      return {
        message: `is truncated (${size}): the array is not closed after ${shape.elements} element(s)`,
        retryable: true,
      };
    return {
      message: `is not valid JSON (${size}): a JSON ${first.kind} that never ends; ${starts}`,
      retryable: true,
    };
  }
  if (first.kind === 'array') {
    if (second === undefined) return null;
    if (second.kind === 'array')
      return {
        message: `holds ${shape.valueCount} JSON arrays one after another, not one (${size}): the first, of ${shape.elements} element(s), ends at byte ${first.end} and the next starts at byte ${second.start}`,
        retryable: false,
      };
    return {
      message: `has text after the JSON array (${size}): the array of ${shape.elements} element(s) closes at byte ${first.end}, and what follows at byte ${second.start} is ${quote(shape.after?.text ?? '')}`,
      retryable: false,
    };
  }
  if (first.kind === 'object') {
    if (second !== undefined && second.kind === 'object')
      return {
        message: `is newline-delimited JSON (NDJSON: ${shape.valueCount} objects${shape.oneValuePerLine ? ', one per line' : ''}), not a JSON array (${size}); ${starts}`,
        retryable: false,
      };
    if (shape.arrayKeys.length > 0)
      return {
        message: `is a JSON object wrapping the array under ${shape.arrayKeys.map((k) => JSON.stringify(k)).join(', ')} (${size}), not a JSON array; ${starts}`,
        retryable: false,
      };
    return { message: `is a JSON object, not an array (${size}): ${quote(head)}`, retryable: false };
  }
  return { message: `is not a JSON array (${size}); ${starts}`, retryable: false };
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 120 ? `${flat.slice(0, 120)}…` : flat);
}

function decode(bytes: number[]): string {
  return new TextDecoder('utf-8').decode(Uint8Array.from(bytes));
}
