/**
 * The pure pieces every fetch path uses to read a partner's answer: the streaming splitter of a
 * top-level JSON array, the lenient record parser (NaN/Infinity tokens), the body sniffer, and the
 * sanitiser/storable JSON. Expectations are written out by hand, not computed by the code.
 */
import { BodyShapeError, JsonArraySplitter, splitJsonArray } from '../../core/jsonArraySplitter';
import { parseJsonLenient, readRecordText } from '../../core/lenientJson';
import { sniffBody } from '../../core/bodySniff';
import { safeMessage, storableJson } from '../../core/safeText';

const bytes = (text: string) => new TextEncoder().encode(text);
const texts = (body: string) => splitJsonArray(bytes(body)).map((r) => r.text);

describe('splitJsonArray', () => {
  test('returns each element text as sent, numbers untouched', () => {
    expect(texts('[{"a":-0.0},{"b":1e400} , 3, "x,]}", null,[1,[2]]]')).toEqual([
      '{"a":-0.0}',
      '{"b":1e400}',
      '3',
      '"x,]}"',
      'null',
      '[1,[2]]',
    ]);
  });

  test('escaped quotes and brackets inside strings do not end an element', () => {
    expect(texts('[{"k":"a\\"}]\\\\"},{"z":"{"}]')).toEqual(['{"k":"a\\"}]\\\\"}', '{"z":"{"}']);
  });

  test('a record with NaN is one element, its neighbours intact', () => {
    expect(texts('[{"t":10},{"t":NaN},{"t":-Infinity}]')).toEqual([
      '{"t":10}',
      '{"t":NaN}',
      '{"t":-Infinity}',
    ]);
  });

  test('gives the same elements whatever the chunking, even inside a multi-byte character', () => {
    const body = bytes('[{"city":"Besançon ☀"},{"t":"日本"}, 42]');
    for (let size = 1; size <= body.length; size += 1) {
      const splitter = new JsonArraySplitter();
      const out: string[] = [];
      for (let i = 0; i < body.length; i += size)
        out.push(...splitter.push(body.subarray(i, i + size)).map((r) => r.text));
      splitter.end();
      expect(out).toEqual(['{"city":"Besançon ☀"}', '{"t":"日本"}', '42']);
    }
  });

  test('empty array, byte-order mark and whitespace', () => {
    expect(texts(' [ ] ')).toEqual([]);
    expect(splitJsonArray(Uint8Array.from([0xef, 0xbb, 0xbf, 0x5b, 0x31, 0x5d])).map((r) => r.text)).toEqual([
      '1',
    ]);
  });

  test('a body cut short is truncated, and says how many records were complete', () => {
    expect(() => splitJsonArray(bytes('[{"a":1},{"b":'))).toThrow(/cut short/);
    try {
      splitJsonArray(bytes('[{"a":1},{"b":'));
    } catch (error) {
      expect(error).toBeInstanceOf(BodyShapeError);
      expect((error as BodyShapeError).problem).toBe('truncated');
      expect((error as BodyShapeError).message).toContain('after 1 complete records');
    }
  });

  test.each([
    ['{"error":"quota"}', 'not_an_array'],
    ['', 'not_an_array'],
    ['[1] [2]', 'text_after_array'],
    ['[1 2]', 'not_an_array'],
  ])('%j is not an array (%s)', (body, problem) => {
    expect(() => splitJsonArray(bytes(body))).toThrow(BodyShapeError);
    try {
      splitJsonArray(bytes(body));
    } catch (error) {
      expect((error as BodyShapeError).problem).toBe(problem);
    }
  });

  test('an element that is not UTF-8 is marked, not fatal', () => {
    const body = Uint8Array.from([...bytes('[{"a":"'), 0xff, ...bytes('"},{"b":1}]')]);
    const records = splitJsonArray(body);
    expect(records.map((r) => r.utf8Valid)).toEqual([false, true]);
    expect(records[1]?.text).toBe('{"b":1}');
  });
});

describe('parseJsonLenient', () => {
  test('reads NaN, Infinity and -Infinity tokens as numbers', () => {
    const parsed = parseJsonLenient('{"a":NaN,"b":[Infinity,-Infinity],"c":"NaN"}');
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      const value = parsed.value as { a: number; b: number[]; c: string };
      expect(Number.isNaN(value.a)).toBe(true);
      expect(value.b).toEqual([Infinity, -Infinity]);
      expect(value.c).toBe('NaN');
    }
  });

  test('1e400 is Infinity, -0.0 is -0', () => {
    expect(parseJsonLenient('[1e400,-0.0]')).toEqual({ ok: true, value: [Infinity, -0] });
  });

  test.each(['{"a":NaNa}', '{"a":}', '{"a":Infinity5}', 'nan'])('refuses %j', (text) => {
    expect(parseJsonLenient(text).ok).toBe(false);
  });

  test('a "__proto__" key stays an own key', () => {
    const parsed = parseJsonLenient('{"__proto__":{"x":NaN}}');
    expect(parsed.ok && Object.keys(parsed.value as object)).toEqual(['__proto__']);
  });

  test('readRecordText keeps the text and says why a record cannot be read', () => {
    expect(readRecordText({ text: '{"a":}', utf8Valid: true })).toMatchObject({
      text: '{"a":}',
      unreadable: { code: 'not_json' },
    });
    expect(readRecordText({ text: '{"a":1}', utf8Valid: true })).toEqual({
      value: { a: 1 },
      text: '{"a":1}',
    });
  });
});

describe('sniffBody', () => {
  test.each([
    [[0x5b, 0x00, 0x5d, 0x00], /UTF-16 text \(little-endian\)/],
    [[0xff, 0xfe, 0x5b, 0x00], /UTF-16 .*little-endian, with a byte-order mark/],
    [[0x00, 0x5b, 0x00, 0x5d], /UTF-16 text \(big-endian\)/],
    [[0x1f, 0x8b, 0x08, 0x00, 0x00], /gzip-compressed/],
    [
      [...bytes('<!DOCTYPE html><html><head><title>502 Bad Gateway</title>')],
      /HTML page titled "502 Bad Gateway"/,
    ],
    [[0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x5b], /binary data/],
    [[], /empty body/],
  ])('%j is described', (body, description) => {
    expect(sniffBody(Uint8Array.from(body))?.description).toMatch(description);
  });

  test('JSON text, including truncated JSON, is left to the splitter', () => {
    expect(sniffBody(bytes('[{"a":1},'))).toBeNull();
    expect(sniffBody(bytes('  {"error":"x"}'))).toBeNull();
  });
});

describe('safeMessage and storableJson', () => {
  test('no NUL, no lone surrogate, bounded', () => {
    // 5,010 characters once the NUL is written out as the six characters \u0000.
    const message = safeMessage(`a\u0000b\ud83cc${'x'.repeat(5000)}`);
    expect(message).not.toContain('\u0000');
    expect(message.startsWith('a\\u0000b\uFFFDc')).toBe(true);
    expect(message.isWellFormed()).toBe(true);
    expect(message).toMatch(/… \(3010 more characters cut\)$/);
  });

  test('never splits a surrogate pair at the cut', () => {
    expect(safeMessage('😀😀', 3).isWellFormed()).toBe(true);
  });

  test('repairs keys and values, nulls non-finite numbers, refuses deep nesting', () => {
    expect(storableJson({ '\ud83c': 'a\u0000', n: NaN, m: [Infinity, -0] })).toBe(
      '{"\uFFFD":"a\uFFFD","n":null,"m":[null,0]}',
    );
    let deep: unknown = 1;
    for (let i = 0; i < 100; i += 1) deep = [deep];
    expect(storableJson(deep)).toBeNull();
  });
});
