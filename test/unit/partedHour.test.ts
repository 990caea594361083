/**
 * The multi-host test's partner stand-in (test/support/partedHour.ts), over loopback HTTP: the hour
 * written part by part is served whole (the parts joined into one JSON array, its Content-Length
 * exact) and page by page in the partner API's `page` protocol, each call counted; the expectation computed while writing equals the one
 * computed from the served records by test/support/expectations.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectedAggregates } from '../support/expectations';
import {
  startPartedPartner,
  writePartedHour,
  type PartedHour,
  type PartedPartner,
} from '../support/partedHour';

const KEY = 'parted-key';
let dir: string;
let hour: PartedHour;
let partner: PartedPartner;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-parted-'));
  hour = writePartedHour(dir, new Date('2026-11-27T14:00:00Z'), 3_001, 4, 'unit');
  partner = await startPartedPartner(KEY);
  partner.setHour(hour);
});
afterAll(async () => {
  await partner.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const get = (url: string, key = KEY) => fetch(url, { headers: { 'x-api-key': key } });

test('the whole hour: one JSON array of every part, its Content-Length exact, the expectation the same', async () => {
  const response = await get(partner.url);
  const body = await response.text();
  expect(response.headers.get('content-length')).toBe(String(hour.bytes));
  expect(Buffer.byteLength(body)).toBe(hour.bytes);
  const records = JSON.parse(body) as { id: string }[];
  expect(records).toHaveLength(3_001);
  expect(new Set(records.map((r) => r.id)).size).toBe(3_001);
  const fromServed = expectedAggregates(records);
  expect(fromServed.map((r) => [r.region, r.numberOfPoints])).toEqual(
    hour.expected.map((r) => [r.region, r.numberOfPoints]),
  );
  fromServed.forEach((r, i) => expect(r.temperature).toBeCloseTo(hour.expected[i]!.temperature, 9));
  expect(partner.calls).toBe(1);
});

test('each part as a numbered page (X-Page, X-Total-Pages, a next link but on the last), each call counted; an unknown page is 404, a wrong key 401', async () => {
  const pages = await Promise.all(hour.files.map((_, k) => get(`${partner.url}?page=${k + 1}&per_page=750`)));
  expect(pages.map((p) => [p.headers.get('x-page'), p.headers.get('x-total-pages')])).toEqual(
    ['1', '2', '3', '4'].map((k) => [k, '4']),
  );
  expect(pages.map((p) => p.headers.get('link'))).toEqual([
    '</readings?page=2&per_page=750>; rel="next"',
    '</readings?page=3&per_page=750>; rel="next"',
    '</readings?page=4&per_page=750>; rel="next"',
    null,
  ]);
  const parts = await Promise.all(pages.map(async (p) => (await p.json()) as { id: string }[]));
  expect(parts.map((p) => p.length)).toEqual([750, 750, 750, 751]);
  expect(parts.flat().map((r) => r.id)).toEqual(Array.from({ length: 3_001 }, (_, i) => `unit-${i}`));
  expect(partner.partCalls).toEqual([1, 1, 1, 1]);
  expect(
    partner.answers
      .filter((a) => a.complete)
      .map((a) => a.page)
      .sort(),
  ).toEqual([1, 2, 3, 4]);
  expect(partner.answers.map((a) => a.caller)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
  expect((await get(`${partner.url}?page=5`)).status).toBe(404);
  expect((await get(partner.url, 'wrong')).status).toBe(401);
});

test('fewer readings than parts is refused', () => {
  expect(() => writePartedHour(dir, new Date(), 3, 4, 'few')).toThrow('cannot be cut into 4 parts');
});
