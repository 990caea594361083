/**
 * The partner API's paged answers (adapters/sources/pages.ts) against the real simulator over
 * loopback HTTP (sim/paging.ts): every page fetched once, in order, the readings exactly the
 * snapshot's; a repeated or a skipped page is named; a retried page fetches that page only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PartedSource } from '../../adapters/sources/types';
import { isPartedSource } from '../../adapters/sources/types';
import { createPartnerApiSource } from '../../adapters/sources/partnerApi';
import { Secret } from '../../config/secret';
import { isSourceError } from '../../core/errors';
import type { PartRef } from '../../core/parts';
import { generateReadings } from '../../sim/generator';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../sim/server';

const KEY = 'pk_pages_do-not-leak';
const NOW = new Date('2026-11-27T14:00:00Z');
const HOUR = new Date('2026-11-27T14:00:00Z');

const started: RunningSimulator[] = [];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-pages-'));
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

async function pagedSource(
  mode: 'cursor' | 'page',
  options: Partial<SimulatorOptions> = {},
): Promise<{ sim: RunningSimulator; source: PartedSource }> {
  const sim = await startSimulator({
    seed: 5,
    apiKey: KEY,
    readingsPerCall: 23,
    now: () => NOW,
    paging: mode,
    ...options,
  });
  started.push(sim);
  const source = createPartnerApiSource(
    {
      url: sim.url,
      apiKey: new Secret(KEY),
      connectTimeoutMs: 2_000,
      totalTimeoutMs: 5_000,
      maxResponseBytes: 1 << 20,
      maxRetryAfterMs: 1_000,
      paging: { mode, pageSize: 5 },
    },
    { now: () => NOW },
  );
  if (!isPartedSource(source)) throw new Error('a paged partner API is a parted source');
  return { sim, source };
}

/** Walks the parts as the workflow does (chained parts fetched first); returns the records by page id. */
async function walk(source: PartedSource): Promise<Map<string, unknown[]>> {
  const pages = new Map<string, unknown[]>();
  let frontier: PartRef[] = (await source.listParts(HOUR)).parts;
  while (frontier.length > 0) {
    const next: PartRef[] = [];
    for (const part of frontier) {
      const fetched = await source.fetchPart(HOUR, part, scratch);
      expect(pages.has(part.id)).toBe(false);
      pages.set(part.id, JSON.parse(fs.readFileSync(fetched.batch.bodyFile ?? '', 'utf8')) as unknown[]);
      next.push(...fetched.next);
    }
    frontier = next;
  }
  return pages;
}

describe.each(['cursor', 'page'] as const)('paged by %s', (mode) => {
  test('every page once, in order, the readings exactly the snapshot', async () => {
    const { sim, source } = await pagedSource(mode);
    const pages = await walk(source);
    expect([...pages.keys()]).toEqual([
      'page-000001',
      'page-000002',
      'page-000003',
      'page-000004',
      'page-000005',
    ]);
    expect([...pages.values()].flat()).toEqual(generateReadings(5, 1, 23, NOW));
    expect(sim.calls).toBe(5);
  });

  test.each([
    ['repeat-page', 'page 1 was answered again where page 2 was due (a repeated page)'],
    ['skip-page', 'page 3 was answered where page 2 was due: page 2 is missing'],
  ] as const)('a %s is named, not retryable', async (fault, message) => {
    const { source } = await pagedSource(mode, { faults: ['ok', fault] });
    const thrown: unknown = await walk(source).catch((error: unknown) => error);
    expect(isSourceError(thrown)).toBe(true);
    expect((thrown as Error).message).toContain(message);
    expect((thrown as Error).message).toContain(`SENSOR_API_PAGING=${mode}`);
    expect((thrown as { retryable: boolean }).retryable).toBe(false);
    expect((thrown as Error).message).not.toContain(KEY);
  });

  test('a page that failed is fetched again alone, and the chain goes on', async () => {
    const { sim, source } = await pagedSource(mode, { faults: ['ok', '503'] });
    const [first] = (await source.listParts(HOUR)).parts;
    const { next } = await source.fetchPart(HOUR, first!, scratch);
    const second = next[0]!;
    await expect(source.fetchPart(HOUR, second, scratch)).rejects.toMatchObject({ retryable: true });
    const retried = await source.fetchPart(HOUR, second, scratch);
    expect(JSON.parse(fs.readFileSync(retried.batch.bodyFile ?? '', 'utf8'))).toEqual(
      generateReadings(5, 1, 23, NOW).slice(5, 10),
    );
    // The first page, the failed second, the second again: no other page was asked for.
    expect(sim.served.map((call) => call.page ?? null)).toEqual([1, null, 2]);
  });
});
