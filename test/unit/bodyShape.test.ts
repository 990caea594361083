/**
 * What a body that is no single JSON array is instead (core/bodyShape.ts), and which keys a record
 * repeats (core/duplicateKeys.ts). Expected messages are written out by hand from the bodies.
 */
import { bodyShape, judgeShape } from '../../core/bodyShape';
import { duplicateKeys } from '../../core/duplicateKeys';

const judge = (text: string | Uint8Array) => {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  return judgeShape(bodyShape(bytes), Buffer.from(bytes).toString('utf8').slice(0, 60));
};

describe('judgeShape', () => {
  test('one array, with or without a byte-order mark and whitespace around it, is fine', () => {
    expect(judge('[{"a":1},{"b":"]"}]')).toBeNull();
    expect(judge(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(' [] \n')]))).toBeNull();
  });

  test('NDJSON is named, with its count', () => {
    expect(judge('{"a":1}\n{"a":2}\n{"a":3}\n')).toEqual({
      message:
        'is newline-delimited JSON (NDJSON: 3 objects, one per line), not a JSON array (24 bytes); it starts "{\\"a\\":1} {\\"a\\":2} {\\"a\\":3}"',
      retryable: false,
    });
  });

  test('an object wrapping the array names its key, however large', () => {
    const big = `{"meta":{"n":2},"data":[${Array.from({ length: 5000 }, (_, i) => `{"id":"${i}"}`).join(',')}]}`;
    const verdict = judge(big);
    expect(verdict?.retryable).toBe(false);
    expect(verdict?.message).toMatch(
      /^is a JSON object wrapping the array under "data" \(\d+ bytes\), not a JSON array/,
    );
  });

  test('text after the array: where the array closed and what follows', () => {
    expect(judge('[1,2]\n<br />Notice')).toEqual({
      message:
        'has text after the JSON array (18 bytes): the array of 2 element(s) closes at byte 5, and what follows at byte 6 is "<br />Notice"',
      retryable: false,
    });
  });

  test('several arrays', () => {
    expect(judge('[1]\n[2,3]\n[4]')).toEqual({
      message:
        'holds 3 JSON arrays one after another, not one (13 bytes): the first, of 1 element(s), ends at byte 3 and the next starts at byte 4',
      retryable: false,
    });
  });

  test('an array cut short is the only retryable verdict besides an empty body', () => {
    expect(judge('[{"a":"x,]"},{"b":')).toEqual({
      message: 'is truncated (18 bytes): the array is not closed after 2 element(s)',
      retryable: true,
    });
    expect(judge('')).toMatchObject({ retryable: true });
  });
});

describe('duplicateKeys', () => {
  test('top-level keys named twice, compared by their decoded value', () => {
    expect(duplicateKeys('{"id":"a","temperature":1,"temperature":2}')).toEqual(['temperature']);
    expect(duplicateKeys('{"temp\\u0065rature":1,"temperature":2}')).toEqual(['temperature']);
  });

  test('keys repeated only inside nested values, or in string values, are not', () => {
    expect(duplicateKeys('{"a":{"x":1,"x":2},"b":[{"a":1}],"c":"\\"a\\":"}')).toEqual([]);
  });
});
