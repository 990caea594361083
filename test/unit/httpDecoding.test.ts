/**
 * The partner-API client on answers whose headers and bytes disagree (test/fixtures/cases), served
 * verbatim over loopback HTTP: what is read, what fails, and whether it is retried. No attempt
 * outlives SENSOR_API_TIMEOUT_MS, and a cancelled attempt ends at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Secret } from '../../config/secret';
import { isSourceError, type SourceError } from '../../core/errors';
import { createPartnerApiSource } from '../../adapters/sources/partnerApi';
import type { FetchOptions, SourceBatch } from '../../adapters/sources/types';
import { startFixedPartner, type FixedPartner, type PartnerAnswer } from '../support/partner';

const KEY = 'pk_test_decoding_55';
const CASES = path.join(__dirname, '../fixtures/cases');
const caseFile = (name: string) => fs.readFileSync(path.join(CASES, name));

let partner: FixedPartner;
beforeAll(async () => {
  partner = await startFixedPartner(KEY);
});
afterAll(() => partner.close());

function source(totalTimeoutMs = 5_000) {
  return createPartnerApiSource({
    url: partner.url,
    apiKey: new Secret(KEY),
    connectTimeoutMs: 2_000,
    totalTimeoutMs,
    maxResponseBytes: 1 << 20,
    maxRetryAfterMs: 60_000,
  });
}

async function fetchOk(answer: PartnerAnswer): Promise<SourceBatch & { text: string }> {
  partner.answer(answer);
  const [batch] = await source().fetch();
  return { ...batch!, text: fs.readFileSync(batch!.bodyFile!, 'utf8') };
}

async function fetchFails(
  answer: PartnerAnswer,
  timeoutMs?: number,
  options?: FetchOptions,
): Promise<SourceError> {
  partner.answer(answer);
  const thrown: unknown = await source(timeoutMs)
    .fetch(undefined, options)
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  if (!isSourceError(thrown)) throw new Error(`expected a SourceError, got ${String(thrown)}`);
  expect(thrown.message).not.toContain(KEY);
  return thrown;
}

describe('the HTTP client decodes what the headers declare', () => {
  test('23: a plain body declared gzip is read as it is, with a warning', async () => {
    const body = caseFile('23-gzip-declared-plain-body.json');
    const batch = await fetchOk({ body, headers: { 'content-encoding': 'gzip' } });
    expect(batch.text).toBe(body.toString('utf8'));
    expect(batch.warnings).toEqual([
      expect.stringContaining('declared Content-Encoding: gzip but is not compressed'),
    ]);
  });

  test('a real gzip body is decompressed', async () => {
    const plain = caseFile('23-gzip-declared-plain-body.json');
    const batch = await fetchOk({ body: gzipSync(plain), headers: { 'content-encoding': 'gzip' } });
    expect(batch.text).toBe(plain.toString('utf8'));
    expect(batch.warnings).toBeUndefined();
  });

  test('30b: a complete gzip stream whose Content-Length is the decoded size is read whole, with a warning', async () => {
    const body = caseFile('30b-gzip-with-decoded-length.json');
    const length = fs.readFileSync(path.join(CASES, '30b-gzip-with-decoded-length.length'), 'utf8').trim();
    const batch = await fetchOk({
      body,
      headers: { 'content-encoding': 'gzip', 'content-length': length },
      closeConnection: true,
    });
    expect(batch.text).toBe(gunzipSync(body).toString('utf8'));
    expect(batch.warnings).toEqual([
      expect.stringContaining(
        `a complete gzip stream of ${body.length} bytes, but its Content-Length says ${length} (the decoded size)`,
      ),
    ]);
  });

  test('30b cut short: a gzip stream missing its end is cut short, retryably', async () => {
    const body = caseFile('30b-gzip-with-decoded-length.json');
    const error = await fetchFails({
      body: body.subarray(0, body.length - 20),
      headers: { 'content-encoding': 'gzip', 'content-length': String(body.length) },
      closeConnection: true,
    });
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('is cut short: its gzip stream ends early');
  });

  test('a plain body closed before its Content-Length is named with both sizes, retryably', async () => {
    const error = await fetchFails({
      body: '[{"id":1}',
      headers: { 'content-length': '100' },
      closeConnection: true,
    });
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('closed after 9 bytes of the 100 bytes its Content-Length declares');
  });

  test('a body declared gzip that starts as gzip but is corrupt fails at once', async () => {
    const error = await fetchFails({
      body: Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(40, 0x41)]),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('is declared Content-Encoding: gzip but is not a valid gzip stream');
  });

  test('22: a declared ISO-8859-1 body is decoded into UTF-8: accents kept, no U+FFFD', async () => {
    const body = caseFile('22-latin1-body.json');
    const batch = await fetchOk({ body, contentType: 'application/json; charset=ISO-8859-1' });
    expect(batch.text).toBe(body.toString('latin1'));
    expect(batch.text).not.toContain('\uFFFD');
  });

  test('an unknown charset is refused at once, named', async () => {
    const error = await fetchFails({ body: '[]', contentType: 'application/json; charset=x-klingon' });
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('a body in charset "x-klingon" (Content-Type), which cannot be decoded');
  });

  test('27: HTTP 204 is named, and not retried', async () => {
    const error = await fetchFails({ status: 204, body: '' });
    expect(error).toMatchObject({ retryable: false, status: 204 });
    expect(error.message).toContain('answered HTTP 204 No Content');
  });
});

describe('every attempt is bounded', () => {
  test('a body that stalls ends at SENSOR_API_TIMEOUT_MS, whatever its encoding', async () => {
    for (const headers of [{}, { 'content-encoding': 'gzip' }] as Record<string, string>[]) {
      const body = caseFile('23-gzip-declared-plain-body.json');
      const error = await fetchFails({ body, headers, stallAfterBytes: 100 }, 400);
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('did not answer completely within 400 ms (SENSOR_API_TIMEOUT_MS)');
    }
  });

  test('a cancelled attempt (the worker stopping) is abandoned, whatever stage it is in', async () => {
    const controller = new AbortController();
    const body = caseFile('23-gzip-declared-plain-body.json');
    const answer: PartnerAnswer = {
      body,
      headers: { 'content-encoding': 'gzip' },
      stallAfterBytes: 100,
      onRequest: () => setTimeout(() => controller.abort(), 200),
    };
    const error = await fetchFails(answer, 60_000, { signal: controller.signal });
    expect(error.message).toContain('was abandoned: the activity was cancelled');
  });
});
