/**
 * GET a JSON array over HTTP with Node's built-in fetch, and classify every failure as retryable
 * or not, so the activity can let Temporal retry what can succeed and stop at once on what cannot.
 *
 * Timeouts. "Connect" bounds the time until the response headers arrive (connection, TLS and the
 * server's think time): Node's fetch exposes no separate connect phase without importing undici,
 * which is not a dependency. "Total" bounds everything, the body included.
 *
 * Size cap. A declared Content-Length over the cap is refused before reading; otherwise the body is
 * streamed to a file and the read stops as soon as the cap is passed. Not retryable: the next attempt would
 * get the same size. Nothing is returned, so nothing is landed.
 *
 * Secrets. Messages never contain the values in `secrets` (replaced by ***), the request headers,
 * or the query string; network errors are described by code and message, never attached as
 * `cause` (an undici error can quote a header value).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { sniffBody } from '../../core/bodySniff';
import fs from 'node:fs/promises';
import { SourceError } from '../../core/errors';
import { PartWriteFailed, partWriter } from '../analytics/bodyParts';
import { parseRetryAfter } from './retryAfter';

export interface HttpJsonRequest {
  /** The source name, prefixed to every error message. */
  source: string;
  url: string;
  headers: Record<string, string>;
  /** Values that must not appear in any message (the API key). */
  secrets: string[];
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  maxResponseBytes: number;
  maxRetryAfterMs: number;
  /** Environment variable names quoted in messages, so an operator knows what to change. */
  settings: { url: string; key: string; connectTimeout: string; totalTimeout: string; maxBytes: string };
  fetch?: typeof fetch;
  now?: () => Date;
  /**
   * Also cut the body into (the first of) these files as it arrives, for the landing to read in
   * parallel (adapters/analytics/bodyParts.ts `partWriter`).
   */
  cutInto?: { files: readonly string[] };
}

/** The phrase operators and tests look for when the key is refused. */
export const REJECTED_KEY_MESSAGE = 'the sensor API rejected the API key';

const SNIPPET_BYTES = 2048;
const SNIPPET_CHARS = 200;

/**
 * GETs the JSON array into `file`, streamed (memory stays flat whatever the body's size), and
 * checks that it starts as an array. Resolves with the body's size in bytes and its sha256 (hashed
 * on the way in, so the landing store need not read it again) and, with `cutInto`, its part files
 * ([] when it was not cut; `PartWriteFailed` when one cannot be written). The records are not
 * parsed here (the landing does it, from the stored copy).
 */
export async function downloadJsonArray(
  request: HttpJsonRequest,
  file: string,
): Promise<{ bytes: number; sha256: string; parts: string[] }> {
  const fetchImpl = request.fetch ?? fetch;
  const now = request.now ?? (() => new Date());
  const target = describeUrl(request.url);
  const error = (message: string, options: { retryable: boolean; status?: number; retryAfterMs?: number }) =>
    new SourceError(request.source, scrub(message, request.secrets), options);

  const controller = new AbortController();
  let timedOut: 'connect' | 'total' | undefined;
  const totalTimer = setTimeout(() => {
    timedOut ??= 'total';
    controller.abort();
  }, request.totalTimeoutMs);
  const connectTimer = setTimeout(() => {
    timedOut ??= 'connect';
    controller.abort();
  }, request.connectTimeoutMs);

  const timeoutError = () =>
    timedOut === 'connect'
      ? error(
          `no response from ${target} within ${request.connectTimeoutMs} ms (${request.settings.connectTimeout})`,
          { retryable: true },
        )
      : error(
          `${target} did not answer completely within ${request.totalTimeoutMs} ms (${request.settings.totalTimeout})`,
          { retryable: true },
        );

  try {
    let response: Response;
    try {
      response = await fetchImpl(request.url, {
        method: 'GET',
        headers: { Accept: 'application/json', ...request.headers },
        signal: controller.signal,
        // Never follow: fetch would resend X-API-Key to wherever the redirect points.
        redirect: 'manual',
      });
    } catch (cause) {
      if (timedOut !== undefined) throw timeoutError();
      throw requestError(cause, target, request, error);
    } finally {
      clearTimeout(connectTimer);
    }

    const status = response.status;
    if (status < 200 || status > 299) {
      const snippet = await readSnippet(response);
      throw statusError(status, response, snippet, target, request, now(), error);
    }

    let written: { bytes: number; sha256: string; parts: string[] };
    try {
      written = await streamCapped(response, request.maxResponseBytes, file, request.cutInto);
    } catch (cause) {
      if (cause instanceof TooLarge) {
        throw error(
          `the response is ${cause.described}, over the cap of ${request.maxResponseBytes} bytes (${request.settings.maxBytes}); nothing was landed`,
          { retryable: false, status },
        );
      }
      // Our scratch disk, not the partner: failed as it is (retryable).
      if (cause instanceof PartWriteFailed) throw cause;
      if (timedOut !== undefined) throw timeoutError();
      throw error(`the connection to ${target} broke while reading the body: ${describeCause(cause)}`, {
        retryable: true,
        status,
      });
    }
    await checkArrayStart(file, written.bytes, target, status, error);
    return written;
  } finally {
    clearTimeout(totalTimer);
    clearTimeout(connectTimer);
  }
}

type MakeError = (
  message: string,
  options: { retryable: boolean; status?: number; retryAfterMs?: number },
) => SourceError;

function requestError(
  cause: unknown,
  target: string,
  request: HttpJsonRequest,
  error: MakeError,
): SourceError {
  // Node's fetch reports every network failure (refused, reset, DNS, TLS) as TypeError "fetch failed"
  // with the reason in `cause`. Any other throw comes from building the request (a bad URL, or a key
  // that is not a valid header value): retrying cannot help, and its message may quote the key.
  const thrown = errorLike(cause);
  if (thrown?.name === 'TypeError' && thrown.message === 'fetch failed') {
    return error(`network error calling ${target}: ${describeCause(thrown.cause)}`, { retryable: true });
  }
  const name = thrown?.name ?? typeof cause;
  return error(
    `could not send the request to ${target} (${name}); check ${request.settings.url} and that ${request.settings.key} holds only printable characters`,
    { retryable: false },
  );
}

function statusError(
  status: number,
  response: Response,
  snippet: string,
  target: string,
  request: HttpJsonRequest,
  now: Date,
  error: MakeError,
): SourceError {
  const said = snippet === '' ? '' : `: ${snippet}`;
  if (status === 401 || status === 403) {
    return error(`${REJECTED_KEY_MESSAGE} (HTTP ${status}); check ${request.settings.key}${said}`, {
      retryable: false,
      status,
    });
  }
  if (status === 429 || status === 503) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now, request.maxRetryAfterMs);
    const wait = retryAfterMs === undefined ? '' : ` (asked to retry after ${retryAfterMs} ms)`;
    const what = status === 429 ? 'rate-limited the request' : 'is unavailable';
    return error(`${target} ${what} (HTTP ${status})${wait}${said}`, {
      retryable: true,
      status,
      retryAfterMs,
    });
  }
  if (status >= 500 || status === 408) {
    return error(`${target} failed (HTTP ${status})${said}`, { retryable: true, status });
  }
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    const where = location === null ? '' : ` to ${describeUrl(resolveUrl(location, request.url))}`;
    return error(
      `${target} redirected (HTTP ${status})${where}; redirects are not followed so the API key goes nowhere else: set ${request.settings.url} to the final address`,
      { retryable: false, status },
    );
  }
  if (status === 404) {
    return error(`${target} does not exist (HTTP 404); check ${request.settings.url}${said}`, {
      retryable: false,
      status,
    });
  }
  return error(`${target} refused the request (HTTP ${status})${said}`, { retryable: false, status });
}

/**
 * The body must be a JSON array. Only its start is read: a body that is no array at all is
 * described (parsed when small), a truncated or garbled array is found by the landing's parse.
 */
async function checkArrayStart(
  file: string,
  bytes: number,
  target: string,
  status: number,
  error: MakeError,
): Promise<void> {
  const handle = await fs.open(file, 'r');
  const head = Buffer.alloc(Math.min(bytes, SNIPPET_BYTES * 32));
  const tail = Buffer.alloc(Math.min(bytes, 64));
  try {
    await handle.read(head, 0, head.length, 0);
    await handle.read(tail, 0, tail.length, bytes - tail.length);
  } finally {
    await handle.close();
  }
  // Plainly not UTF-8 JSON (HTML, gzip, UTF-16, binary): say what it looks like, never quote bytes.
  const look = sniffBody(head.length < bytes ? head : head.subarray(0, bytes));
  if (look !== null) {
    throw error(`the body from ${target} is ${look.description}, not a JSON array`, {
      retryable: look.transient,
      status,
    });
  }
  const text = new TextDecoder('utf-8').decode(head);
  const closed = tail.toString('latin1').trimEnd().endsWith(']');
  if (text.trimStart().startsWith('[') && closed) return;
  if (text.trimStart().startsWith('[')) {
    // Cut short in transit: another attempt is likely to get a whole one.
    throw error(`the body from ${target} is truncated (${bytes} bytes): the array is not closed`, {
      retryable: true,
      status,
    });
  }
  let parsed: unknown;
  try {
    if (head.length < bytes) throw new Error('too long to be an error message');
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head));
  } catch (cause) {
    // A body cut short or garbled in transit: another attempt is likely to get a whole one.
    throw error(
      `the body from ${target} is not valid JSON (${bytes} bytes): ${describeCause(cause)}; it starts ${JSON.stringify(shorten(text))}`,
      { retryable: true, status },
    );
  }
  // Well-formed but not the contract (e.g. {"error":"quota exceeded"}): retrying returns the same.
  const kind = parsed === null ? 'null' : typeof parsed;
  throw error(`${target} answered a JSON ${kind}, not an array: ${shorten(JSON.stringify(parsed))}`, {
    retryable: false,
    status,
  });
}

class TooLarge extends Error {
  constructor(readonly described: string) {
    super(described);
  }
}

/**
 * Streams the body into `file` through Node's stream pipeline (reads, hashing and writes overlap;
 * awaiting each write instead was far slower: docs/scaling.md §2.1), and
 * stops as soon as more than `cap` bytes have come.
 */
async function streamCapped(
  response: Response,
  cap: number,
  file: string,
  cutInto: HttpJsonRequest['cutInto'],
): Promise<{ bytes: number; sha256: string; parts: string[] }> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  // A compressed answer's Content-Length is not the size of the body written: no marks from it.
  const encoded = !['', 'identity'].includes(response.headers.get('content-encoding') ?? '');
  if (Number.isFinite(declared) && declared > cap) {
    await response.body?.cancel().catch(() => undefined);
    throw new TooLarge(`${declared} bytes (Content-Length)`);
  }
  const hash = createHash('sha256');
  let total = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      if (total > cap) return done(new TooLarge(`more than ${cap} bytes (stopped reading at ${total})`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // A 1 MB buffer in front of the web stream: at the default, each chunk waits on its own read
  // (docs/scaling.md §2.1).
  const body =
    response.body === null
      ? Readable.from([])
      : Readable.fromWeb(response.body as WebReadableStream, { highWaterMark: 1 << 20 });
  const parts = cutInto === undefined ? undefined : partWriter(cutInto.files, encoded ? undefined : declared);
  const file$ = createWriteStream(file, { highWaterMark: 1 << 20 });
  await (parts === undefined ? pipeline(body, counted, file$) : pipeline(body, counted, parts.stream, file$));
  return { bytes: total, sha256: hash.digest('hex'), parts: parts?.files() ?? [] };
}

/** The start of an error answer, for the message; never fails (the status already says enough). */
async function readSnippet(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
    // Only the start is wanted: free the connection instead of draining a large error page.
    await reader.cancel().catch(() => undefined);
  } catch {
    // A broken error body still leaves the status to report.
  }
  return shorten(Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8'));
}

/**
 * Duck-typed rather than `instanceof`: errors from Node's fetch come from another realm under jest
 * (and in any vm context), where `instanceof Error` is false.
 */
function errorLike(
  value: unknown,
): { name: string; message: string; code?: unknown; cause?: unknown } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, message } = value as { name?: unknown; message?: unknown };
  if (typeof name !== 'string' || typeof message !== 'string') return undefined;
  return value as { name: string; message: string; code?: unknown; cause?: unknown };
}

function describeCause(cause: unknown): string {
  const thrown = errorLike(cause);
  if (thrown === undefined) return String(cause);
  const code = thrown.code;
  return typeof code === 'string' && !thrown.message.includes(code)
    ? `${code} ${thrown.message}`
    : thrown.message;
}

function shorten(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS)}…` : flat;
}

/** Origin and path only: a query string or user info may hold credentials. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

function resolveUrl(location: string, base: string): string {
  try {
    return new URL(location, base).href;
  } catch {
    return location;
  }
}

/** Replaces every occurrence of each non-empty secret (and its URL-encoded form) with ***. */
export function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret === '') continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) result = result.split(form).join('***');
  }
  return result;
}
