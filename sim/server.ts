/**
 * The sensor simulator: a real HTTP server speaking the partner's contract (GET with `X-API-Key`,
 * a JSON array of readings), seedable, with per-call fault modes. The partner's host cannot be
 * reached from here, so the demo and the end-to-end tests use this instead.
 *
 * Numbering. `calls` counts every request received. Fault modes apply, in order, to the
 * authenticated requests on the readings path (a wrong key is answered 401 without using one).
 * The readings themselves are `generateReadings(seed, n, readingsPerCall, now())` where n is the
 * ordinal of the complete data answer (`ok`, `slow` once answered, `malformed`): after faults
 * [503, 429, ok] the data served is that of n = 1, so a test can recompute it whatever failed first.
 * `served` keeps what each call got (the records of data answers) for exactly that purpose.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateReadings, type SimReading } from './generator';
import { mixInMalformed, type FaultMode } from './faults';
import { pagedRequest, pageHeaders, type Paging } from './paging';

export type { FaultMode } from './faults';

export interface SimulatorOptions {
  seed: number;
  apiKey: string;
  /** Readings per data answer; default 500. */
  readingsPerCall?: number;
  /** Applied to the authenticated calls 1..n in order, then every call is `ok`. */
  faults?: FaultMode[];
  /** How long a `slow` call waits before answering; default 35 s, above the client's 30 s default. */
  slowMs?: number;
  /** The clock for reading timestamps; default the system clock. */
  now?: () => Date;
  /** The raw Retry-After value sent with 429 and 503 (seconds or an HTTP date); default "1". */
  retryAfter?: string;
  /** Send answers without Content-Length (chunked), as some servers do; default false. */
  chunked?: boolean;
  /**
   * Serve each data answer in pages (sim/paging.ts): chained by a cursor or numbered; the page
   * size is the client's (`limit` or `per_page`). Default: one answer.
   */
  paging?: Paging;
  /** Called after each call is answered (the CLI prints a line per call). */
  onCall?: (call: ServedCall) => void;
}

export interface ServedCall {
  /** 1-based, over every request received. */
  call: number;
  /** The fault mode applied, or why the request was refused before any fault applied. */
  outcome: FaultMode | 'unauthorized' | 'not-found' | 'method-not-allowed' | 'client-gone';
  status: number | null;
  /** For complete data answers: n in generateReadings(seed, n, …). */
  dataIndex: number | null;
  /** For a page of a paged answer: its number (1-based). */
  page?: number;
  /** For complete data answers: exactly the array sent. */
  records: unknown[] | null;
}

export interface RunningSimulator {
  /** The readings endpoint, to use as SENSOR_API_URL. */
  url: string;
  port: number;
  /** Requests received so far. */
  readonly calls: number;
  /** Complete data answers so far. */
  readonly dataCalls: number;
  /** The last 1000 calls, oldest first. */
  readonly served: readonly ServedCall[];
  close(): Promise<void>;
  /** Replaces the pending fault sequence; it applies from the next authenticated call. */
  setFaults(faults: FaultMode[]): void;
}

export const READINGS_PATHS = ['/', '/readings'];
const HISTORY_LIMIT = 1000;

export async function startSimulator(
  options: SimulatorOptions & { port?: number; host?: string },
): Promise<RunningSimulator> {
  const perCall = options.readingsPerCall ?? 500;
  const slowMs = options.slowMs ?? 35_000;
  const now = options.now ?? (() => new Date());
  const retryAfter = options.retryAfter ?? '1';
  const expectedKey = digest(options.apiKey);
  let pendingFaults = [...(options.faults ?? [])];
  let calls = 0;
  let dataCalls = 0;
  const served: ServedCall[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const record = (entry: ServedCall): void => {
    served.push(entry);
    if (served.length > HISTORY_LIMIT) served.shift();
    options.onCall?.(entry);
  };

  const send = (
    res: http.ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ) => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    if (options.chunked === true) {
      // Two writes without Content-Length: Node then uses chunked transfer encoding.
      const half = Math.floor(body.length / 2);
      res.write(body.slice(0, half));
      res.end(body.slice(half));
    } else {
      res.setHeader('Content-Length', Buffer.byteLength(body));
      res.end(body);
    }
  };

  // Paged answers: the latest snapshot (sim/paging.ts), generated once; a cursor naming an
  // earlier one regenerates it from its index and moment.
  let snapshot: { index: number; at: number; readings: SimReading[] } | undefined;
  const sendPage = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: number,
    outcome: FaultMode,
  ) => {
    const paging = options.paging as Paging;
    const asked = pagedRequest(paging, new URL(req.url ?? '/', 'http://simulator'));
    const named = asked.snapshot;
    if (asked.first || snapshot === undefined) {
      dataCalls += 1;
      const at = now();
      snapshot = {
        index: dataCalls,
        at: at.getTime(),
        readings: generateReadings(options.seed, dataCalls, perCall, at),
      };
    } else if (named !== undefined && (named.index !== snapshot.index || named.at !== snapshot.at)) {
      snapshot = {
        ...named,
        readings: generateReadings(options.seed, named.index, perCall, new Date(named.at)),
      };
    }
    const shift = outcome === 'repeat-page' ? -1 : outcome === 'skip-page' ? 1 : 0;
    const page = Math.max(1, asked.page + shift);
    const totalPages = Math.max(1, Math.ceil(snapshot.readings.length / asked.size));
    const records = snapshot.readings.slice((page - 1) * asked.size, page * asked.size);
    const headers = pageHeaders(paging, req.url ?? '/', { snapshot, page, totalPages, size: asked.size });
    send(res, 200, JSON.stringify(records), headers);
    record({ call, outcome, status: 200, dataIndex: snapshot.index, page, records });
  };

  const sendData = (res: http.ServerResponse, call: number, outcome: FaultMode) => {
    dataCalls += 1;
    const readings = generateReadings(options.seed, dataCalls, perCall, now());
    const records: unknown[] = outcome === 'malformed' ? mixInMalformed(readings) : readings;
    send(res, 200, JSON.stringify(records));
    record({ call, outcome, status: 200, dataIndex: dataCalls, records });
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    calls += 1;
    const call = calls;
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    if (!READINGS_PATHS.includes(path)) {
      send(res, 404, JSON.stringify({ error: 'not found' }));
      record({ call, outcome: 'not-found', status: 404, dataIndex: null, records: null });
      return;
    }
    if (req.method !== 'GET') {
      send(res, 405, JSON.stringify({ error: 'method not allowed' }), { Allow: 'GET' });
      record({ call, outcome: 'method-not-allowed', status: 405, dataIndex: null, records: null });
      return;
    }
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || !timingSafeEqual(digest(key), expectedKey)) {
      send(res, 401, JSON.stringify({ error: 'invalid or missing API key' }));
      record({ call, outcome: 'unauthorized', status: 401, dataIndex: null, records: null });
      return;
    }

    const fault = pendingFaults.shift() ?? 'ok';
    const refuse = (status: number, error: string, headers: Record<string, string> = {}) => {
      send(res, status, JSON.stringify({ error }), headers);
      record({ call, outcome: fault, status, dataIndex: null, records: null });
    };
    if (options.paging !== undefined && ['ok', 'repeat-page', 'skip-page'].includes(fault))
      return sendPage(req, res, call, fault);
    switch (fault) {
      case 'ok':
      case 'malformed':
      case 'repeat-page':
      case 'skip-page':
        sendData(res, call, fault);
        return;
      case '500':
        return refuse(500, 'internal server error');
      case '503':
        return refuse(503, 'service unavailable', { 'Retry-After': retryAfter });
      case '429':
        return refuse(429, 'too many requests', { 'Retry-After': retryAfter });
      case '401':
        return refuse(401, 'invalid or missing API key');
      case '403':
        return refuse(403, 'forbidden');
      case '404':
        return refuse(404, 'not found');
      case 'object':
        return refuse(200, 'quota exceeded');
      case 'trunc': {
        // Status and headers are right; the body stops half-way, with no Content-Length to betray it.
        const body = JSON.stringify(generateReadings(options.seed, dataCalls + 1, perCall, now()));
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(body.slice(0, Math.floor(body.length / 2)));
        record({ call, outcome: fault, status: 200, dataIndex: null, records: null });
        return;
      }
      case 'redirect':
        return refuse(302, 'moved', { Location: '/moved' });
      case 'reset':
        req.socket.destroy();
        record({ call, outcome: fault, status: null, dataIndex: null, records: null });
        return;
      case 'slow': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) sendData(res, call, fault);
        }, slowMs);
        timers.add(timer);
        // The client gave up (its timeout): nothing is served, so no data index is used.
        res.on('close', () => {
          if (timers.delete(timer)) {
            clearTimeout(timer);
            record({ call, outcome: 'client-gone', status: null, dataIndex: null, records: null });
          }
        });
        return;
      }
    }
  };

  const server = http.createServer(handle);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}/readings`,
    port,
    get calls() {
      return calls;
    },
    get dataCalls() {
      return dataCalls;
    },
    get served() {
      return served;
    },
    setFaults(faults) {
      pendingFaults = [...faults];
    },
    // Idempotent: test teardown and the test itself may both close it.
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        // close() alone waits for keep-alive and stalled (`slow`) connections; end them now.
        server.closeAllConnections();
      })),
  };
}

/** Compare fixed-length digests so the comparison takes the same time whatever the key. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
