/**
 * GET a JSON array over HTTP with node:http(s), and classify every failure as retryable or not, so
 * the activity can let Temporal retry what can succeed and stop at once on what cannot.
 *
 * node:http rather than fetch: fetch decodes Content-Encoding itself and hides the bytes on the
 * wire, so a body declared gzip that is not, or a Content-Length that counts the decoded bytes,
 * surfaced as "terminated" (and once as an attempt that never ended). Here the raw bytes are
 * counted, the declared encoding and charset are decoded by us (adapters/sources/bodyDecoding.ts),
 * and every attempt is destroyed at SENSOR_API_TIMEOUT_MS or when `signal` aborts, whatever
 * stage it is in.
 *
 * Timeouts. "Connect" bounds the time until the response headers arrive (connection, TLS and the
 * server's think time). "Total" bounds everything, the body included.
 *
 * Size cap. A declared Content-Length over the cap is refused before reading; otherwise the body is
 * streamed to a file and the read stops as soon as the cap is passed. Not retryable: the next attempt would
 * get the same size. Nothing is returned, so nothing is landed.
 *
 * The body's shape (a JSON array or not) is judged by the landing, after the answer is stored
 * (adapters/analytics/bodyCheck.ts): every answer is kept before it is judged.
 *
 * Secrets. Messages never contain the values in `secrets` (replaced by ***), the request headers,
 * or the query string; network errors are described by code and message, never attached as
 * `cause`.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { PassThrough, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SourceError } from '../../core/errors';
import { PartWriteFailed, partWriter } from '../analytics/bodyParts';
import { bodyDecoders, type BodyDecoders } from './bodyDecoding';
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
  now?: () => Date;
  /** Aborts the attempt (the activity was cancelled: the worker is shutting down). */
  signal?: AbortSignal;
  /**
   * Also cut the body into (the first of) these files as it arrives, for the landing to read in
   * parallel (adapters/analytics/bodyParts.ts `partWriter`).
   */
  cutInto?: { files: readonly string[] };
  /** Also given each decoded chunk as it arrives (the landing's copy into its store); must not throw. */
  onBytes?: (chunk: Buffer) => void;
}

export interface Downloaded {
  /** Bytes written to the file (decoded, UTF-8). */
  bytes: number;
  sha256: string;
  parts: string[];
  /** What was unusual but read anyway (a plain body declared gzip, a decoded-size Content-Length). */
  warnings: string[];
  /** The response's headers (a page's number and next link: adapters/sources/pages.ts). */
  headers: IncomingHttpHeaders;
}

/** The phrase operators and tests look for when the key is refused. */
export const REJECTED_KEY_MESSAGE = 'the sensor API rejected the API key';

const SNIPPET_BYTES = 2048;
const SNIPPET_CHARS = 200;

/**
 * GETs the answer into `file`, streamed (memory stays flat whatever the body's size), decoded
 * from its declared Content-Encoding and charset into UTF-8. Resolves with the body's size in bytes
 * and its sha256 (hashed on the way in, so the landing store need not read it again) and, with
 * `cutInto`, its part files ([] when it was not cut; `PartWriteFailed` when one cannot be
 * written). Throws SourceError for a status, a transport or a decoding failure.
 */
export async function downloadJsonArray(request: HttpJsonRequest, file: string): Promise<Downloaded> {
  const now = request.now ?? (() => new Date());
  const target = describeUrl(request.url);
  const error = (message: string, options: { retryable: boolean; status?: number; retryAfterMs?: number }) =>
    new SourceError(request.source, scrub(message, request.secrets), options);

  // Whatever is running when the attempt must end (the request, then the body's pipeline) is
  // destroyed with this error, so no stage can outlive it.
  let ended: SourceError | undefined;
  let destroyRunning: (reason: SourceError) => void = () => undefined;
  const end = (reason: SourceError) => {
    if (ended !== undefined) return;
    ended = reason;
    destroyRunning(reason);
  };
  const totalTimer = setTimeout(
    () =>
      end(
        error(
          `${target} did not answer completely within ${request.totalTimeoutMs} ms (${request.settings.totalTimeout})`,
          { retryable: true },
        ),
      ),
    request.totalTimeoutMs,
  );
  const connectTimer = setTimeout(
    () =>
      end(
        error(
          `no response from ${target} within ${request.connectTimeoutMs} ms (${request.settings.connectTimeout})`,
          { retryable: true },
        ),
      ),
    request.connectTimeoutMs,
  );
  const onAbort = () =>
    end(
      error(`the attempt to call ${target} was abandoned: the activity was cancelled`, { retryable: true }),
    );
  if (request.signal?.aborted) onAbort();
  request.signal?.addEventListener('abort', onAbort);

  try {
    const response = await send(request, target, error, (destroy) => {
      destroyRunning = destroy;
      if (ended !== undefined) destroy(ended);
    });
    clearTimeout(connectTimer);
    destroyRunning = (reason) => response.destroy(reason);
    if (ended !== undefined) throw ended;

    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const snippet = await readSnippet(response);
      throw statusError(status, response, snippet, target, request, now(), error);
    }
    if (status === 204) {
      response.resume();
      // Deterministic: the same call answers the same way, so it is named once, not retried.
      throw error(
        `${target} answered HTTP 204 No Content: no body at all, where the contract answers 200 with a JSON array ([] when there are no readings)`,
        { retryable: false, status },
      );
    }
    let decoders: BodyDecoders;
    try {
      decoders = bodyDecoders(response.headers['content-encoding'], response.headers['content-type']);
    } catch (cause) {
      response.resume();
      throw error(`${target} answered ${describeCause(cause)}; contact the partner`, {
        retryable: false,
        status,
      });
    }
    return await readBody(response, file, request, decoders, {
      status,
      target,
      error,
      ended: () => ended,
      onDestroy: (destroy) => {
        destroyRunning = destroy;
      },
    });
  } finally {
    clearTimeout(totalTimer);
    clearTimeout(connectTimer);
    request.signal?.removeEventListener('abort', onAbort);
  }
}

/** Sends the GET; resolves with the response once its headers are in. */
function send(
  request: HttpJsonRequest,
  target: string,
  error: MakeError,
  onStart: (destroy: (reason: SourceError) => void) => void,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(request.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('not http(s)');
    } catch {
      reject(
        error(`could not send the request to ${target} (TypeError); check ${request.settings.url}`, {
          retryable: false,
        }),
      );
      return;
    }
    let req: http.ClientRequest;
    try {
      req = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'GET',
        headers: { Accept: 'application/json', 'Accept-Encoding': 'gzip, deflate, br', ...request.headers },
      });
    } catch (cause) {
      // Building the request failed (a key that is not a valid header value): retrying cannot
      // help, and the thrown message is not quoted (it may hold the key).
      const name = errorLike(cause)?.name ?? typeof cause;
      reject(
        error(
          `could not send the request to ${target} (${name}); check ${request.settings.url} and that ${request.settings.key} holds only printable characters`,
          { retryable: false },
        ),
      );
      return;
    }
    let stopped: SourceError | undefined;
    onStart((reason) => {
      stopped = reason;
      req.destroy(reason);
    });
    req.on('response', resolve);
    req.on('error', (cause) => {
      if (stopped !== undefined) reject(stopped);
      else reject(error(`network error calling ${target}: ${describeCause(cause)}`, { retryable: true }));
    });
    req.end();
  });
}

interface BodyContext {
  status: number;
  target: string;
  error: MakeError;
  ended: () => SourceError | undefined;
  onDestroy: (destroy: (reason: SourceError) => void) => void;
}

/**
 * Streams the body into `file`: raw bytes counted (against Content-Length), then decoded, counted
 * against the cap, hashed, cut into parts and written, through Node's stream pipeline (reads,
 * hashing and writes overlap). The response is pumped by hand so that a connection closed early
 * ends the pipeline cleanly: whether that lost anything is then decided from what was received
 * (a complete gzip stream has its own length and checksum).
 */
async function readBody(
  response: IncomingMessage,
  file: string,
  request: HttpJsonRequest,
  decoders: BodyDecoders,
  context: BodyContext,
): Promise<Downloaded> {
  const { status, target, error } = context;
  const cap = request.maxResponseBytes;
  const declared = Number(response.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > cap) {
    response.destroy();
    throw error(
      `the response is ${declared} bytes (Content-Length), over the cap of ${cap} bytes (${request.settings.maxBytes}); nothing was landed`,
      { retryable: false, status },
    );
  }
  let raw = 0;
  let cut = false;
  const source = new PassThrough({ highWaterMark: 1 << 20 });
  response.on('data', (chunk: Buffer) => {
    raw += chunk.length;
    if (!source.write(chunk)) response.pause();
  });
  source.on('drain', () => response.resume());
  response.on('end', () => source.end());
  // Closed before the end of the body (Content-Length not reached, chunked stream not finished).
  response.on('aborted', () => {
    cut = true;
  });
  response.on('error', () => undefined);
  response.on('close', () => {
    if (!response.complete) cut = true;
    if (!source.writableEnded) source.end();
  });

  const hash = createHash('sha256');
  let total = 0;
  let tooLarge: string | undefined;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      if (total > cap) {
        tooLarge = `more than ${cap} bytes (stopped reading at ${total})`;
        return done(new Error(tooLarge));
      }
      hash.update(chunk);
      request.onBytes?.(chunk);
      done(null, chunk);
    },
  });
  // A compressed or transcoded answer's Content-Length is not the size of the body written.
  const parts =
    request.cutInto === undefined
      ? undefined
      : partWriter(request.cutInto.files, decoders.changesBytes ? undefined : declared);
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const stages = [source, ...decoders.streams, counted, ...(parts ? [parts.stream] : []), out] as const;
  context.onDestroy((reason) => {
    response.destroy();
    source.destroy(reason);
  });
  try {
    const early = context.ended();
    if (early !== undefined) throw early;
    await pipeline(stages as unknown as [PassThrough, ...Transform[]]);
  } catch (cause) {
    response.destroy();
    const stopped = context.ended();
    if (stopped !== undefined) throw stopped;
    if (tooLarge !== undefined)
      throw error(
        `the response is ${tooLarge}, over the cap of ${cap} bytes (${request.settings.maxBytes}); nothing was landed`,
        { retryable: false, status },
      );
    // Our scratch disk, not the partner: failed as it is (retryable).
    if (cause instanceof PartWriteFailed) throw cause;
    const decoding = decoders.describeFailure(cause, cut);
    if (decoding !== undefined)
      throw error(`the body from ${target} ${decoding.message}`, { ...decoding, status });
    throw error(`the connection to ${target} broke while reading the body: ${describeCause(cause)}`, {
      retryable: true,
      status,
    });
  }
  const warnings = [...decoders.warnings()];
  if (cut) {
    // A compressed stream that decoded to its end is whole (gzip checks its length and CRC-32):
    // only the connection closed early, because Content-Length counted the decoded bytes.
    if (decoders.selfDelimiting && decoders.completed()) {
      warnings.push(
        `the body from ${target} is a complete ${decoders.encoding} stream of ${raw} bytes, but its Content-Length says ${Number.isFinite(declared) ? declared : 'more'}${declared === total ? ' (the decoded size)' : ''}: read as the complete stream`,
      );
    } else {
      const of = Number.isFinite(declared) ? ` of the ${declared} bytes its Content-Length declares` : '';
      throw error(`the connection to ${target} closed after ${raw} bytes${of}: the body is cut short`, {
        retryable: true,
        status,
      });
    }
  }
  return {
    bytes: total,
    sha256: hash.digest('hex'),
    parts: parts?.files() ?? [],
    warnings,
    headers: response.headers,
  };
}

type MakeError = (
  message: string,
  options: { retryable: boolean; status?: number; retryAfterMs?: number },
) => SourceError;

function statusError(
  status: number,
  response: IncomingMessage,
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
    const retryAfterMs = parseRetryAfter(header(response, 'retry-after'), now, request.maxRetryAfterMs);
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
    const location = header(response, 'location');
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

/** The start of an error answer, for the message; never fails (the status already says enough). */
async function readSnippet(response: IncomingMessage): Promise<string> {
  // A compressed error page is not worth decoding for a snippet.
  if (!['', 'identity'].includes(header(response, 'content-encoding') ?? '')) {
    response.destroy();
    return '';
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response) {
      chunks.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      if (total >= SNIPPET_BYTES) break;
    }
  } catch {
    // A broken error body still leaves the status to report.
  }
  // Only the start is wanted: free the connection instead of draining a large error page.
  response.destroy();
  return shorten(Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8'));
}

function header(response: IncomingMessage, name: string): string | null {
  const value = response.headers[name];
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
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
