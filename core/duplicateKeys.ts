/**
 * The keys a JSON object's text names more than once at its top level. JSON.parse keeps the last
 * value of a repeated key and DuckDB refuses the object, so such a record's value is ambiguous
 * (RFC 8259 §4: names SHOULD be unique; behaviour otherwise is unpredictable): it is quarantined,
 * never counted with one of its values. Keys are compared by their decoded value, so
 * `"temp\u0065rature"` repeats `"temperature"`. Pure; expects text JSON.parse accepted.
 */
export function duplicateKeys(text: string): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  let depth = 0;
  let keyNext = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (char === '"') {
      const end = endOfString(text, i);
      if (depth === 1 && keyNext) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (seen.has(key)) repeated.add(key);
        seen.add(key);
        keyNext = false;
      }
      i = end - 1;
    } else if (char === '{' || char === '[') {
      depth += 1;
      keyNext = depth === 1 && char === '{';
    } else if (char === '}' || char === ']') depth -= 1;
    else if (char === ',' && depth === 1) keyNext = true;
  }
  return [...repeated];
}

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}
