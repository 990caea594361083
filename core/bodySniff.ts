/**
 * Says what a body that is not a JSON array looks like, from its first bytes, so that an operator
 * reads "an HTML page" or "gzip-compressed bytes" rather than a parser's complaint quoting binary.
 * Pure. Magic numbers: gzip RFC 1952 §2.3.1; UTF-16/32 byte-order marks and RFC 8259 §8.1 (JSON is
 * UTF-8; a NUL in the first bytes of JSON text means UTF-16 or UTF-32).
 */

export interface BodyLook {
  /** Plain words, e.g. "UTF-16 text (little-endian), not UTF-8". Never quotes raw bytes. */
  description: string;
  /** Whether the same server is likely to send something else next time (an HTML error page). */
  transient: boolean;
}

const HEAD_BYTES = 512;

/** What the body looks like when it is plainly not UTF-8 JSON; null when it may be JSON text. */
export function sniffBody(body: Uint8Array): BodyLook | null {
  const head = body.subarray(0, HEAD_BYTES);
  const size = `${body.length} bytes`;
  if (body.length === 0) return { description: 'an empty body', transient: true };
  if (head[0] === 0x1f && head[1] === 0x8b)
    return {
      description: `gzip-compressed bytes (${size}) that the server did not declare`,
      transient: false,
    };
  const utf16 = utf16Order(head);
  if (utf16 !== null) return { description: `UTF-16 text (${utf16}), not UTF-8 (${size})`, transient: false };
  const text = new TextDecoder('utf-8')
    .decode(head)
    .replace(/^\uFEFF/, '')
    .trimStart();
  const lower = text.slice(0, 200).toLowerCase();
  if (
    lower.startsWith('<!doctype html') ||
    lower.startsWith('<html') ||
    /^<(head|body|title)\b/.test(lower)
  ) {
    const title = /<title[^>]*>([^<]{1,80})/i.exec(text)?.[1]?.trim();
    const titled = title ? ` titled ${JSON.stringify(printable(title))}` : '';
    return { description: `an HTML page${titled} (${size})`, transient: true };
  }
  if (lower.startsWith('<?xml') || lower.startsWith('<'))
    return { description: `an XML/markup document (${size})`, transient: true };
  if (looksBinary(head)) return { description: `binary data (${size})`, transient: false };
  return null;
}

function utf16Order(head: Uint8Array): string | null {
  if (head[0] === 0xff && head[1] === 0xfe) return 'little-endian, with a byte-order mark';
  if (head[0] === 0xfe && head[1] === 0xff) return 'big-endian, with a byte-order mark';
  // JSON starts with an ASCII character: in UTF-16 one of its two bytes is NUL.
  if (head.length >= 2 && head[0] !== 0 && head[1] === 0) return 'little-endian';
  if (head.length >= 2 && head[0] === 0 && head[1] !== 0) return 'big-endian';
  return null;
}

function looksBinary(head: Uint8Array): boolean {
  // Control bytes only: text in another charset (Latin-1 letters are invalid UTF-8) is not binary;
  // its records are refused one by one as not UTF-8 (adapters/analytics/landing.ts).
  let control = 0;
  for (const byte of head) {
    if (byte === 0) return true;
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) control += 1;
  }
  return control > head.length / 10;
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7E\u00A0-\uFFFF]/g, '?');
}
