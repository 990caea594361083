/**
 * The partner-API client against the real simulator over loopback HTTP: every fault mode ends in
 * its documented classification, and the key never leaks into what is thrown.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SourceBatch } from '../../adapters/sources/types';
import type { PartnerApiConfig } from '../../config';
import { Secret } from '../../config/secret';
import { isSourceError, type SourceError } from '../../core/errors';
import { createPartnerApiSource } from '../../adapters/sources/partnerApi';
import { checkBody } from '../../adapters/analytics/bodyCheck';
import { generateReadings } from '../../sim/generator';
import {
  startSimulator,
  type FaultMode,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../sim/server';

const KEY = 'pk_live_Zq8-do-not-leak-7731';
const NOW = new Date('2026-11-27T14:00:00Z');
const now = () => NOW;

// Every simulator a test starts is closed after it, even when a test starts several.
const started: RunningSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

async function simulator(options: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  const sim = await startSimulator({ seed: 21, apiKey: KEY, readingsPerCall: 50, now, ...options });
  started.push(sim);
  return sim;
}

function config(url: string, overrides: Partial<PartnerApiConfig> = {}): PartnerApiConfig {
  return {
    url,
    apiKey: new Secret(KEY),
    connectTimeoutMs: 2_000,
    totalTimeoutMs: 5_000,
    maxResponseBytes: 50 * 1024 * 1024,
    maxRetryAfterMs: 60_000,
    ...overrides,
  };
}

/** Runs one fetch that must fail, checks the key is nowhere in the error, and returns it. */
async function failure(cfg: PartnerApiConfig, key = KEY): Promise<SourceError> {
  const thrown: unknown = await createPartnerApiSource(cfg, { now })
    .fetch()
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  if (!isSourceError(thrown)) throw new Error(`expected a SourceError, got ${String(thrown)}`);
  const error = thrown;
  expect(error.source).toBe('partner-api');
  for (const text of [
    error.message,
    error.stack ?? '',
    JSON.stringify(error),
    JSON.stringify(error.cause ?? null),
  ]) {
    expect(text).not.toContain(key);
  }
  return error;
}

async function faultFailure(fault: FaultMode, overrides: Partial<PartnerApiConfig> = {}, simOptions = {}) {
  const running = await simulator({ faults: [fault], ...simOptions });
  return failure(config(running.url, overrides));
}

/** The records of a downloaded batch, read back from its body file. */
function recordsOf(batch: SourceBatch | undefined): unknown[] {
  if (batch?.bodyFile === undefined) throw new Error('the batch has no body file');
  return JSON.parse(fs.readFileSync(batch.bodyFile, 'utf8')) as unknown[];
}

describe('partner API source', () => {
  it('returns one unkeyed batch of the raw records the API answered', async () => {
    const running = await simulator();
    const source = createPartnerApiSource(config(running.url), { now });
    expect(source.name).toBe('partner-api');
    const batches = await source.fetch();
    expect(batches).toEqual([
      {
        source: 'partner-api',
        key: null,
        fetchedAt: NOW,
        bodyFile: expect.any(String) as string,
        bodySha256: expect.any(String) as string,
      },
    ]);
    // The answer is streamed to a file, byte for byte, and hashed on the way.
    expect(recordsOf(batches[0])).toEqual(generateReadings(21, 1, 50, NOW));
    const written = fs.readFileSync(batches[0]!.bodyFile!);
    expect(batches[0]!.bodySha256).toBe(createHash('sha256').update(written).digest('hex'));
    await expect(source.acknowledge(batches[0]!)).resolves.toBeUndefined();
  });

  it('cuts a large answer into parts as it arrives, when asked and the size is declared', async () => {
    // 60,000 readings: about 9 MB, two parts of at least 4 MB (adapters/analytics/bodyParts.ts).
    const running = await simulator({ readingsPerCall: 60_000 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-parts-'));
    const partFiles = [path.join(dir, 'part-0.json'), path.join(dir, 'part-1.json')];
    // Generating 60,000 readings takes the simulator a while before the headers: a longer connect timeout.
    const slow = { connectTimeoutMs: 30_000, totalTimeoutMs: 60_000 };
    const [batch] = await createPartnerApiSource(config(running.url, slow), { now }).fetch(undefined, {
      partFiles,
    });
    const expected = generateReadings(21, 1, 60_000, NOW);
    expect(recordsOf(batch)).toEqual(expected);
    const parts = batch?.bodyParts ?? [];
    expect(parts).toEqual(partFiles);
    const read = parts.map((file) => JSON.parse(fs.readFileSync(file, 'utf8')) as unknown[]);
    expect(read.every((part) => part.length > 0)).toBe(true);
    expect(read.flat()).toEqual(expected);
    // Without Content-Length (chunked), the marks are unknown: the landing cuts the stored body.
    const chunked = await simulator({ readingsPerCall: 60_000, chunked: true });
    const [whole] = await createPartnerApiSource(config(chunked.url, slow), { now }).fetch(undefined, {
      partFiles,
    });
    expect(whole?.bodyParts).toBeUndefined();
    expect(recordsOf(whole)).toEqual(expected);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('passes malformed records through unvalidated (validation happens downstream)', async () => {
    const running = await simulator({ faults: ['malformed'] });
    const [batch] = await createPartnerApiSource(config(running.url), { now }).fetch();
    expect(recordsOf(batch)).toHaveLength(56);
    expect(recordsOf(batch)).toContain('sensor 42 offline');
  });

  it.each([
    ['500', 500],
    ['503', 503],
    ['429', 429],
  ] as const)('fault %s is retryable with its status', async (fault, status) => {
    const error = await faultFailure(fault);
    expect(error).toMatchObject({ retryable: true, status });
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toMatch(/"error":"(internal server error|service unavailable|too many requests)"/);
  });

  it('carries Retry-After on 503 and 429, capped, and ignores 0 and garbage', async () => {
    expect((await faultFailure('503')).retryAfterMs).toBe(1_000);
    expect((await faultFailure('429', {}, { retryAfter: '7' })).retryAfterMs).toBe(7_000);
    expect((await faultFailure('429', { maxRetryAfterMs: 5_000 }, { retryAfter: '3600' })).retryAfterMs).toBe(
      5_000,
    );
    const date = 'Fri, 27 Nov 2026 14:00:30 GMT'; // 30 s after NOW
    expect((await faultFailure('503', {}, { retryAfter: date })).retryAfterMs).toBe(30_000);
    expect((await faultFailure('503', {}, { retryAfter: '0' })).retryAfterMs).toBeUndefined();
    expect((await faultFailure('429', {}, { retryAfter: 'soon' })).retryAfterMs).toBeUndefined();
    expect((await faultFailure('500', {}, { retryAfter: '5' })).retryAfterMs).toBeUndefined();
  });

  it('times out a slow answer (connect timeout: no headers in time), retryably', async () => {
    const started = Date.now();
    const error = await faultFailure('slow', { connectTimeoutMs: 200 }, { slowMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toMatchObject({ retryable: true, status: undefined });
    expect(error.message).toMatch(/no response .* within 200 ms \(SENSOR_API_CONNECT_TIMEOUT_MS\)/);
  });

  it('applies the total timeout too', async () => {
    const error = await faultFailure(
      'slow',
      { connectTimeoutMs: 5_000, totalTimeoutMs: 250 },
      { slowMs: 5_000 },
    );
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('within 250 ms (SENSOR_API_TIMEOUT_MS)');
  });

  // The download keeps every answer; its shape is judged by the landing, after it is stored.
  async function judged(fault: FaultMode): Promise<SourceError> {
    const running = await simulator({ faults: [fault] });
    const [batch] = await createPartnerApiSource(config(running.url), { now }).fetch();
    const thrown: unknown = await checkBody(batch!.bodyFile!, 'partner-api').then(
      () => undefined,
      (error: unknown) => error,
    );
    if (!isSourceError(thrown)) throw new Error(`expected a SourceError, got ${String(thrown)}`);
    return thrown;
  }

  it('downloads a truncated body whole; the landing retries it as truncated', async () => {
    const error = await judged('trunc');
    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toContain('is truncated');
  });

  it('downloads valid JSON that is not an array; the landing stops at once on it, quoting it', async () => {
    const error = await judged('object');
    expect(error).toMatchObject({ retryable: false });
    expect(error.message).toContain('not an array');
    expect(error.message).toContain('quota exceeded');
  });

  it.each([
    ['401', 401],
    ['403', 403],
  ] as const)('stops at once when the key is rejected (%s)', async (fault, status) => {
    const error = await faultFailure(fault);
    expect(error).toMatchObject({ retryable: false, status });
    expect(error.message).toContain('the sensor API rejected the API key');
  });

  it('stops at once on a wrong key, without echoing either key', async () => {
    const running = await simulator();
    const wrong = 'wrong-key-also-secret-0042';
    const error = await failure({ ...config(running.url), apiKey: new Secret(wrong) }, wrong);
    expect(error).toMatchObject({ retryable: false, status: 401 });
    expect(error.message).toContain('the sensor API rejected the API key');
    expect(error.message).not.toContain(KEY);
  });

  it('stops at once on 404 (a wrong URL), naming SENSOR_API_URL', async () => {
    const running = await simulator();
    const error = await failure(config(running.url.replace('/readings', '/v2/readings')));
    expect(error).toMatchObject({ retryable: false, status: 404 });
    expect(error.message).toContain('SENSOR_API_URL');
  });

  it('does not follow a redirect (the key would go along), and says where it pointed', async () => {
    const running = await simulator({ faults: ['redirect'] });
    const error = await failure(config(running.url));
    expect(error).toMatchObject({ retryable: false, status: 302 });
    expect(error.message).toContain(`redirected (HTTP 302) to ${running.url.replace('/readings', '/moved')}`);
    expect(running.calls).toBe(1); // nothing was sent to /moved
  });

  it('retries network errors: a dropped connection, and nobody listening', async () => {
    expect(await faultFailure('reset')).toMatchObject({ retryable: true, status: undefined });
    const running = await simulator();
    const url = running.url;
    await running.close();
    const error = await failure(config(url));
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('caps the response size, declared or streamed, without retrying', async () => {
    // 50 readings serialise to several kilobytes; a 1000-byte cap is passed either way.
    const declared = await faultFailure('ok', { maxResponseBytes: 1_000 });
    expect(declared).toMatchObject({ retryable: false, status: 200 });
    expect(declared.message).toMatch(/over the cap of 1000 bytes \(SENSOR_API_MAX_BYTES\)/);

    const streamed = await faultFailure('ok', { maxResponseBytes: 1_000 }, { chunked: true });
    expect(streamed.retryable).toBe(false);
    expect(streamed.message).toContain('more than 1000 bytes');

    // Exactly at the cap is allowed.
    const running = await simulator({ chunked: true });
    const size = Buffer.byteLength(JSON.stringify(generateReadings(21, 1, 50, NOW)));
    const [batch] = await createPartnerApiSource(config(running.url, { maxResponseBytes: size }), {
      now,
    }).fetch();
    expect(recordsOf(batch)).toHaveLength(50);
  });

  it('refuses, without quoting it, a key that cannot be sent as a header', async () => {
    const running = await simulator();
    const badKey = 'line1-secret\nline2-secret';
    const error = await failure({ ...config(running.url), apiKey: new Secret(badKey) }, badKey);
    expect(error.retryable).toBe(false);
    for (const part of ['line1-secret', 'line2-secret']) expect(error.message).not.toContain(part);
  });
});
