/**
 * Text we store or show must be storable and readable: PostgreSQL text and jsonb refuse NUL and
 * lone UTF-16 surrogates, terminals garble control characters, and a message quoting a whole body
 * would flood the ledger and workflow history. Pure.
 */

/** Upper bound of a message (characters) in the ledger, workflow history, logs and terminal. */
export const MAX_MESSAGE_CHARS = 2_000;

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/**
 * The one sanitiser for every message that reaches the run ledger, workflow history, logs or the
 * terminal: well-formed Unicode (lone surrogates become U+FFFD), control characters (NUL among
 * them) written out as `\uXXXX` so the reader still sees they were there, and at most `max`
 * characters, saying how many were cut.
 */
export function safeMessage(text: unknown, max: number = MAX_MESSAGE_CHARS): string {
  const visible = String(text)
    .toWellFormed()
    .replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (visible.length <= max) return visible;
  const cut = visible.length - max;
  // Slicing may split a surrogate pair: toWellFormed repairs the half left at the end.
  return `${visible.slice(0, max).toWellFormed()}… (${cut} more characters cut)`;
}

/** A string PostgreSQL text and jsonb can hold: lone surrogates and NUL become U+FFFD. */
export function storableString(text: string): string {
  return text.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

/** True when PostgreSQL text can hold the string unchanged (no NUL, no lone surrogate). */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}

/** Deeper values are refused: PostgreSQL's jsonb and recursive walks have bounded stacks. */
export const MAX_JSON_DEPTH = 64;

/**
 * A value as JSON text PostgreSQL's jsonb accepts: keys and strings made storable, numbers that
 * are not finite written as null (JSON has no such numbers). Null when the value nests deeper
 * than MAX_JSON_DEPTH. `undefined` is written as null.
 */
export function storableJson(value: unknown): string | null {
  const walk = (item: unknown, depth: number): unknown => {
    if (depth > MAX_JSON_DEPTH) throw new TooDeep();
    if (typeof item === 'string') return storableString(item);
    if (typeof item === 'number') return Number.isFinite(item) ? item : null;
    if (item instanceof Date) return Number.isNaN(item.getTime()) ? null : item.toISOString();
    if (Array.isArray(item)) return item.map((element) => walk(element, depth + 1));
    if (typeof item === 'object' && item !== null) {
      return Object.fromEntries(
        Object.entries(item).map(([key, element]) => [storableString(key), walk(element, depth + 1)]),
      );
    }
    return typeof item === 'boolean' ? item : null;
  };
  try {
    return JSON.stringify(walk(value, 0));
  } catch (error) {
    if (error instanceof TooDeep) return null;
    throw error;
  }
}

class TooDeep extends Error {}
