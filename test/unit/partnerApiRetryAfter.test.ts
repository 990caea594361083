import { parseHttpDate, parseRetryAfter } from '../../adapters/sources/retryAfter';

const NOW = new Date('2026-11-27T14:00:00Z');
const CAP = 60_000;

describe('parseRetryAfter', () => {
  it.each([
    ['1', 1_000],
    ['  30 ', 30_000],
    ['60', 60_000],
    ['61', CAP], // capped
    ['99999999999999999999999', CAP], // absurdly long: capped, not Infinity
  ])('reads delay-seconds %j as %d ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW, CAP)).toBe(expected);
  });

  it.each([null, undefined, '', '0', '000', '-5', '1.5', '1e3', 'soon', '5 seconds', '1, 2'])(
    'treats %j as absent',
    (value) => {
      expect(parseRetryAfter(value, NOW, CAP)).toBeUndefined();
    },
  );

  it('reads the three HTTP date formats, relative to now', () => {
    // 27 Nov 2026 is a Friday; the weekday is not checked, as most clients do not.
    expect(parseRetryAfter('Fri, 27 Nov 2026 14:00:45 GMT', NOW, CAP)).toBe(45_000);
    expect(parseRetryAfter('Friday, 27-Nov-26 14:00:20 GMT', NOW, CAP)).toBe(20_000);
    expect(parseRetryAfter('Fri Nov 27 14:00:05 2026', NOW, CAP)).toBe(5_000);
    expect(parseRetryAfter('Fri Nov  7 14:00:05 2026', NOW, CAP)).toBeUndefined(); // 7 Nov: in the past
    expect(parseRetryAfter('Sat, 28 Nov 2026 14:00:00 GMT', NOW, CAP)).toBe(CAP);
  });

  it('treats a date now or in the past, or an impossible one, as absent', () => {
    expect(parseRetryAfter('Fri, 27 Nov 2026 14:00:00 GMT', NOW, CAP)).toBeUndefined();
    expect(parseRetryAfter('Thu, 26 Nov 2026 14:00:00 GMT', NOW, CAP)).toBeUndefined();
    expect(parseHttpDate('Mon, 31 Feb 2027 10:00:00 GMT', NOW)).toBeUndefined();
    expect(parseHttpDate('Mon, 01 Foo 2027 10:00:00 GMT', NOW)).toBeUndefined();
    expect(parseHttpDate('Mon, 01 Feb 2027 25:00:00 GMT', NOW)).toBeUndefined();
    expect(parseHttpDate('2027-02-01T10:00:00Z', NOW)).toBeUndefined(); // ISO is not an HTTP date
  });

  it('maps two-digit RFC 850 years to the nearest century', () => {
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate('Monday, 06-Nov-30 08:49:37 GMT', NOW)).toBe(Date.UTC(2030, 10, 6, 8, 49, 37));
  });
});
