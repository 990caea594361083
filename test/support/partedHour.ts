/**
 * A partner's hour delivered in parts, at any size (10,000,000 readings included): the hour's
 * readings are generated part by part into files of the test's own (never the whole hour in
 * memory), and its expected aggregates are computed on the way, independently of the pipeline:
 * 2,000 places drawn in France's bounding box and located with turf over the vendored polygons
 * (test/support/expectations.ts), temperatures in tenths summed as integers. A partner stand-in
 * serves them over HTTP: the whole hour as one answer, or each part as a numbered page in the
 * partner API's `page` protocol (adapters/sources/pages.ts: `?page=k&per_page=N`, `X-Page`,
 * `X-Total-Pages`, `Link: <…>; rel="next"`), counting the calls and the answers sent to their end.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { seededRandom } from '../../core/geo/probePoints';
import type { SimReading } from '../../sim/generator';
import { expectedRegion } from './expectations';
import type { StoredAggregate } from './served';

export interface PartedHour {
  /** The part files in order, each a JSON array of its readings. */
  files: string[];
  readings: number;
  /** The whole hour's size as one JSON array (bytes). */
  bytes: number;
  expected: StoredAggregate[];
}

/** The readings' random draws: mulberry32 (core/geo/probePoints.ts) seeded from the seed string, not the simulator's. */
const randomFrom = (seed: string) =>
  seededRandom([...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));

/**
 * Writes `count` readings measured in `hour` as `parts` files under `dir` (part k holds readings
 * ⌊k·count/parts⌋ to ⌊(k+1)·count/parts⌋ − 1; ids `<seed>-<index>`, unique over the hour).
 */
export function writePartedHour(
  dir: string,
  hour: Date,
  count: number,
  parts: number,
  seed: string,
): PartedHour {
  if (!(Number.isInteger(parts) && parts >= 1 && count >= parts))
    throw new RangeError(`an hour of ${count} readings cannot be cut into ${parts} parts`);
  const next = randomFrom(seed);
  const places = Array.from({ length: 2_000 }, () => {
    const lat = Math.round((41.4 + next() * 9.6) * 1e5) / 1e5;
    const lon = Math.round((-4.8 + next() * 13.2) * 1e5) / 1e5;
    return { lat, lon, region: expectedRegion(lon, lat) };
  });
  const sums = new Map<string, { tenths: number; n: number }>();
  const files: string[] = [];
  let bytes = 2 + Math.max(0, parts - 1);
  for (let part = 0; part < parts; part += 1) {
    const file = path.join(dir, `${seed}-part-${String(part).padStart(3, '0')}.json`);
    const fd = fs.openSync(file, 'w');
    let written = fs.writeSync(fd, '[');
    const end = Math.floor(((part + 1) * count) / parts);
    for (let i = Math.floor((part * count) / parts), first = true; i < end;) {
      const chunk: string[] = [];
      for (const stop = Math.min(end, i + 10_000); i < stop; i += 1) {
        const place = places[Math.floor(next() * places.length)]!;
        const tenths = Math.floor(next() * 451) - 100;
        const at = new Date(hour.getTime() + Math.floor(next() * 3_600_000));
        const reading: SimReading = {
          id: `${seed}-${i}`,
          timestamp: at.toISOString().slice(0, 19).replace('T', ' '),
          lat: place.lat,
          lon: place.lon,
          temperature: tenths / 10,
          country: 'France',
        };
        chunk.push(JSON.stringify(reading));
        if (place.region === null) continue;
        const sum = sums.get(place.region) ?? { tenths: 0, n: 0 };
        sum.tenths += tenths;
        sum.n += 1;
        sums.set(place.region, sum);
      }
      written += fs.writeSync(fd, (first ? '' : ',') + chunk.join(','));
      first = false;
    }
    written += fs.writeSync(fd, ']');
    fs.closeSync(fd);
    files.push(file);
    bytes += written - 2;
  }
  const expected: StoredAggregate[] = [...sums.entries()]
    .map(([region, { tenths, n }]) => ({ region, temperature: tenths / 10 / n, numberOfPoints: n }))
    .sort((a, b) => a.region.localeCompare(b.region, 'fr'));
  return { files, readings: count, bytes, expected };
}

export interface PartedPartner {
  /**
   * The whole hour as one answer: `GET <url>`. Part k (1-based) as page k of the `page` protocol:
   * `GET <url>?page=<k>&per_page=<n>` (n is only echoed in the next link: the parts are fixed).
   */
  url: string;
  /** Calls answered with the whole hour. */
  readonly calls: number;
  /** Calls per part (index k − 1 for page k). */
  readonly partCalls: number[];
  /** Every page answered, in the order asked. */
  readonly answers: readonly PageAnswer[];
  setHour(hour: PartedHour): void;
  close(): Promise<void>;
}

export interface PageAnswer {
  page: number;
  /** The caller's address (the connection's remote address). */
  caller: string;
  /** Whether its last byte was handed to the connection (false: cut short). */
  complete: boolean;
}

/** Until `res` can take more, or is closed (each wait leaves no listener behind). */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** The partner stand-in for a PartedHour, over HTTP on `host` (loopback by default), with Content-Length. */
export async function startPartedPartner(apiKey: string, host = '127.0.0.1'): Promise<PartedPartner> {
  let hour: PartedHour = { files: [], readings: 0, bytes: 2, expected: [] };
  let calls = 0;
  let partCalls: number[] = [];
  let answers: PageAnswer[] = [];
  const server = http.createServer((req, res) => {
    if (req.headers['x-api-key'] !== apiKey) return void res.writeHead(401).end();
    const url = new URL(req.url ?? '/', 'http://partner');
    if (url.searchParams.has('page')) {
      const page = Number(url.searchParams.get('page'));
      const file = hour.files[page - 1];
      if (!Number.isInteger(page) || file === undefined) return void res.writeHead(404).end();
      partCalls[page - 1] = (partCalls[page - 1] ?? 0) + 1;
      const size = fs.statSync(file).size;
      const headers: Record<string, string | number> = {
        'content-type': 'application/json',
        'content-length': size,
        'X-Page': page,
        'X-Total-Pages': hour.files.length,
      };
      if (page < hour.files.length) {
        url.searchParams.set('page', String(page + 1));
        headers.Link = `<${url.pathname}${url.search}>; rel="next"`;
      }
      res.writeHead(200, headers);
      const body = fs.createReadStream(file, { highWaterMark: 1 << 20 });
      const answer = { page, caller: req.socket.remoteAddress ?? '', complete: false };
      answers.push(answer);
      // Complete as the last byte is handed over (this listener runs before the pipe's write), so
      // before the client can have read it.
      let sent = 0;
      body.on('data', (chunk) => {
        sent += chunk.length;
        answer.complete = sent === size;
      });
      return void body.pipe(res);
    }
    calls += 1;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': hour.bytes });
    void (async () => {
      // The parts' readings joined into one array: each file without its brackets.
      res.write('[');
      for (const [k, file] of hour.files.entries()) {
        if (k > 0) res.write(',');
        const size = fs.statSync(file).size;
        if (size > 2)
          for await (const chunk of fs.createReadStream(file, {
            start: 1,
            end: size - 2,
            highWaterMark: 1 << 20,
          }))
            if (!res.write(chunk)) await drained(res);
      }
      res.end(']');
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/readings`,
    get calls() {
      return calls;
    },
    get partCalls() {
      return partCalls;
    },
    get answers() {
      return answers;
    },
    setHour(next) {
      hour = next;
      partCalls = next.files.map(() => 0);
      answers = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
