/**
 * Reads one record's JSON text the way the field writes it: Python's `json.dumps` (and others)
 * write the tokens `NaN`, `Infinity` and `-Infinity`, which RFC 8259 forbids. They are read here as
 * the numbers they name, so validation can quarantine the one record with its reason instead of
 * the whole answer being refused. Pure.
 */

export type LenientParse = { ok: true; value: unknown } | { ok: false; message: string };

const NON_FINITE = /(-?Infinity|NaN)/y;
const NUMBER_OR_WORD = /[-\w.+]+/y;

/**
 * Parses one JSON value, accepting NaN, Infinity and -Infinity outside strings. Numbers too large
 * for a double (`1e400`) become ±Infinity, as JSON.parse makes them. Never throws.
 */
export function parseJsonLenient(text: string): LenientParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const rewritten = rewriteNonFinite(text);
    if (rewritten !== null) {
      try {
        return { ok: true, value: restoreNonFinite(JSON.parse(rewritten.text) as unknown, rewritten.marker) };
      } catch {
        // Not only the tokens: report the original parse error below.
      }
    }
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Replaces each bare non-finite token with a marker string; null when there is none. The marker
 * holds a random part, so no string the partner sent can pass for one.
 */
function rewriteNonFinite(text: string): { text: string; marker: string } | null {
  const marker = `\uE000nonfinite:${Math.random().toString(36).slice(2)}:`;
  let out = '';
  let found = false;
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === '"') {
      const end = endOfString(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    NON_FINITE.lastIndex = i;
    const token = NON_FINITE.exec(text);
    if (token) {
      // Only a whole token: "NaNx" or "-Infinity5" stay as they are and fail to parse.
      NUMBER_OR_WORD.lastIndex = i;
      const word = NUMBER_OR_WORD.exec(text)?.[0];
      if (word === token[0]) {
        out += JSON.stringify(marker + token[0]);
        found = true;
        i += token[0].length;
        continue;
      }
    }
    out += char;
    i += 1;
  }
  return found ? { text: out, marker } : null;
}

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

function restoreNonFinite(value: unknown, marker: string): unknown {
  if (typeof value === 'string' && value.startsWith(marker)) return Number(value.slice(marker.length));
  if (Array.isArray(value)) return value.map((item) => restoreNonFinite(item, marker));
  if (typeof value === 'object' && value !== null) {
    // fromEntries defines own properties: a "__proto__" key stays a key, as JSON.parse made it.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, restoreNonFinite(item, marker)]),
    );
  }
  return value;
}
