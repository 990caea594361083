import { parseCsv } from '../../core/csv';
import { parseCsvRecords, parseNdjson } from '../../adapters/sources/fileParsers';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, LF or CRLF', () => {
    const rows = parseCsv('a,b,c\r\n"x, y","say ""hi""","two\nlines"\n1,,3');
    expect(rows.map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'two\nlines'],
      ['1', '', '3'],
    ]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 4]);
    expect(rows[2]?.text).toBe('1,,3');
  });

  it('skips blank lines but keeps an explicitly empty quoted field', () => {
    expect(parseCsv('a\n\n\nb\n\n').map((r) => r.fields)).toEqual([['a'], ['b']]);
    expect(parseCsv('a\n""\n').map((r) => r.fields)).toEqual([['a'], ['']]);
  });

  it('refuses an unclosed quote and stray quotes', () => {
    expect(() => parseCsv('a,b\n"open,1\n2,3\n')).toThrow('line 2: a quoted field is never closed');
    expect(() => parseCsv('a,b\nx"y,1\n')).toThrow('quote inside an unquoted field');
    expect(() => parseCsv('a,b\n"x"y,1\n')).toThrow('text after a closing quote');
  });
});

describe('parseCsvRecords', () => {
  it('maps rows to objects by header, in any column order, with numeric-looking fields as numbers', () => {
    const text =
      'temperature,country,lon,lat,timestamp,id,battery\n' +
      '-3.5,France,2.35,48.85,2026-11-27 13:00:00,0042,87\n' +
      '1e1, , .5 ,+45.,2026-11-27T13:00:00Z,x,"NaN"\n';
    expect(parseCsvRecords(text)).toEqual([
      {
        temperature: -3.5,
        country: 'France',
        lon: 2.35,
        lat: 48.85,
        timestamp: '2026-11-27 13:00:00',
        id: '0042', // ids stay text even when numeric
        battery: 87,
      },
      {
        temperature: 10,
        country: ' ',
        lon: 0.5,
        lat: 45,
        timestamp: '2026-11-27T13:00:00Z',
        id: 'x',
        battery: 'NaN',
      },
    ]);
  });

  it('accepts a header without country, and an empty file', () => {
    expect(parseCsvRecords('id,timestamp,lat,lon,temperature\nz,t,1,2,3\n')).toEqual([
      { id: 'z', timestamp: 't', lat: 1, lon: 2, temperature: 3 },
    ]);
    expect(parseCsvRecords('')).toEqual([]);
    expect(parseCsvRecords('id,timestamp,lat,lon,temperature,country\n')).toEqual([]);
  });

  it('refuses a header lacking a required column or naming one twice', () => {
    expect(() => parseCsvRecords('id,timestamp,lat,temperature\n')).toThrow('the header lacks lon');
    expect(() => parseCsvRecords('id,id,timestamp,lat,lon,temperature\n')).toThrow('names id twice');
  });
});

describe('parseNdjson', () => {
  it('parses each line, keeps unparseable lines as text, skips blank lines', () => {
    expect(parseNdjson('{"a":1}\r\n\n  \n[1]\nnope\n"s"\n')).toEqual([{ a: 1 }, [1], 'nope', 's']);
    expect(parseNdjson('')).toEqual([]);
  });

  it('refuses a file where no line is JSON', () => {
    expect(() => parseNdjson('id;lat;lon\n1;2;3\n')).toThrow('no line is valid JSON');
  });
});

test('a leading byte-order mark is not part of the first column name', () => {
  const rows = parseCsv('\ufeffid,lat\r\na,1\r\n');
  expect(rows.map((r) => r.fields)).toEqual([
    ['id', 'lat'],
    ['a', '1'],
  ]);
  expect(rows[1]?.text).toBe('a,1');
});
