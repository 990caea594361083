/// <reference lib="dom" />
/**
 * The page (issue 10) end to end: real imports through Temporal into PostgreSQL (one failed hour,
 * one hour with quarantined records, one hour never imported), then the real `tempctl serve` over
 * loopback, read by a real Chromium (Debian's, through playwright-core) and by plain HTTP for the
 * JSON API; the report written by the real `tempctl report` and opened offline with script off.
 * Every expectation is computed from the database's tables here, not through the page's code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { runImport } from '../../client';
import { addHours, formatHour, truncateToHour } from '../../core/importHour';
import { launchChromium, luminance } from '../support/browser';
import { runTempctl, startPipeline, type Pipeline } from '../support/pipeline';
import { startServe, type Served } from '../support/serve';

const ARTIFACTS = path.join(__dirname, '../../.data/artifacts');

interface StoredRow {
  hour: Date;
  region: string;
  temperature: number;
  numberOfPoints: number;
}

/** The stored rows of an hour with the temperature 3 hours earlier looked up by hand (null when absent). */
function withBefore(all: StoredRow[], hour: Date) {
  const key = (region: string, at: Date) => `${region}@${at.getTime()}`;
  const index = new Map(all.map((r) => [key(r.region, r.hour), r]));
  return all
    .filter((r) => r.hour.getTime() === hour.getTime())
    .map((r) => ({
      hour: r.hour.toISOString(),
      region: r.region,
      temperature: r.temperature,
      numberOfPoints: r.numberOfPoints,
      temperature3HoursBefore: index.get(key(r.region, addHours(hour, -3)))?.temperature ?? null,
    }))
    .sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));
}

const byRegion = <T extends { region: string }>(rows: T[]) =>
  [...rows].sort((a, b) => (a.region < b.region ? -1 : a.region > b.region ? 1 : 0));

async function getJson(url: string): Promise<unknown> {
  const answer = await fetch(url);
  expect(answer.status).toBe(200);
  return answer.json();
}

describe('the page: tempctl serve in Chromium, the JSON API and tempctl report', () => {
  let pipeline: Pipeline;
  let served: Served;
  let browser: Browser;
  let stored: StoredRow[];
  const now = truncateToHour(new Date());
  const hours = {
    failed: addHours(now, -5),
    quarantined: addHours(now, -3),
    gap: addHours(now, -2),
    previous: addHours(now, -1),
    latest: now,
  };
  const failure = /the sensor API rejected the API key/;

  beforeAll(async () => {
    pipeline = await startPipeline({
      env: { FETCH_MAX_LAG_HOURS: '48' },
      simulator: { readingsPerCall: 400 },
    });
    pipeline.simulator.setFaults(['401']);
    await expect(runImport(pipeline.client, pipeline.config, hours.failed)).rejects.toThrow();
    pipeline.simulator.setFaults([]);
    await runImport(pipeline.client, pipeline.config, addHours(now, -4));
    pipeline.simulator.setFaults(['malformed']);
    await runImport(pipeline.client, pipeline.config, hours.quarantined);
    await runImport(pipeline.client, pipeline.config, hours.previous);
    await runImport(pipeline.client, pipeline.config, hours.latest);
    stored = (await pipeline.database.db('region_hourly_temperature').select()) as StoredRow[];
    served = await startServe(pipeline);
    browser = await launchChromium();
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    await pipeline?.stop();
  });

  test('the scenario has the hours it needs', () => {
    const hoursStored = new Set(stored.map((r) => r.hour.getTime()));
    expect(hoursStored.has(hours.failed.getTime())).toBe(false);
    expect(hoursStored.has(hours.gap.getTime())).toBe(false);
    expect(withBefore(stored, hours.latest).length).toBeGreaterThanOrEqual(10);
  });

  describe('JSON API: exactly what the database holds', () => {
    test("/api/hours/:hour is the hour's rows with the temperature 3 hours before (null across the gap)", async () => {
      for (const hour of [hours.latest, hours.previous, hours.gap]) {
        const body = (await getJson(`${served.url}api/hours/${formatHour(hour)}`)) as {
          rows: { region: string }[];
        };
        expect(byRegion(body.rows)).toEqual(withBefore(stored, hour));
      }
      // now-1 looks back to now-4, which is stored.
      const previous = withBefore(stored, hours.previous);
      expect(previous.every((r) => r.temperature3HoursBefore !== null)).toBe(true);
    });

    test("/api/regions/:region/series is the region's stored rows, absent hours absent", async () => {
      const region = withBefore(stored, hours.latest)[0]?.region ?? '';
      const body = (await getJson(
        `${served.url}api/regions/${encodeURIComponent(region)}/series?to=${formatHour(now)}&hours=6`,
      )) as { region: string; from: string; to: string; rows: unknown[] };
      const expected = [-4, -3, -2, -1, 0]
        .map((h) => withBefore(stored, addHours(now, h)).find((r) => r.region === region))
        .filter((r) => r !== undefined);
      expect(body).toEqual({
        region,
        from: addHours(now, -5).toISOString(),
        to: now.toISOString(),
        rows: expected,
      });
      expect(body.rows.map((r) => (r as { hour: string }).hour)).not.toContain(hours.gap.toISOString());
      const unknown = await fetch(`${served.url}api/regions/Atlantis/series`);
      expect(unknown.status).toBe(404);
    });

    test('/api/runs and /api/quarantine are the ledger and the quarantine rows', async () => {
      const db = pipeline.database.db;
      const runs = await db('import_runs').orderBy('started_at', 'desc').select();
      expect(await getJson(`${served.url}api/runs?limit=50`)).toEqual({
        runs: JSON.parse(JSON.stringify(runs)) as unknown,
      });
      const quarantine = await db('quarantine').orderBy('quarantine_id', 'desc').select();
      expect(quarantine.length).toBeGreaterThan(0);
      expect(await getJson(`${served.url}api/quarantine?limit=500`)).toEqual({
        quarantine: JSON.parse(JSON.stringify(quarantine)) as unknown,
      });
    });

    test('/api/hours lists the failed hour as failed with no rows, and not the hour never imported', async () => {
      const body = (await getJson(`${served.url}api/hours`)) as {
        hours: { hour: string; regions: number; lastRunStatus: string | null; lastRunError: string | null }[];
      };
      expect(body.hours.map((h) => h.hour)).toEqual(
        [0, -1, -3, -4, -5].map((h) => addHours(now, h).toISOString()),
      );
      const failed = body.hours.find((h) => h.hour === hours.failed.toISOString());
      expect(failed).toMatchObject({ regions: 0, lastRunStatus: 'failed' });
      expect(failed?.lastRunError).toMatch(failure);
    });

    test('the server is read-only and rejects bad input clearly', async () => {
      expect((await fetch(served.url, { method: 'POST' })).status).toBe(404);
      const bad = await fetch(`${served.url}api/hours/yesterday`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(/not an ISO-8601 hour/);
      expect((await fetch(`${served.url}api/runs?limit=0`)).status).toBe(400);
    });
  });

  describe('in Chromium', () => {
    let page: Page;
    const requested: string[] = [];
    beforeAll(async () => {
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(served.url);
    });
    afterAll(() => page.close());

    const regionFills = () =>
      page.$$eval('a.region', (links) =>
        links.map((a) => ({
          region: a.getAttribute('data-region') ?? '',
          temperature: a.getAttribute('data-temperature') ?? '',
          fill: a.querySelector('path')?.getAttribute('fill') ?? '',
          width: (a as SVGGraphicsElement).getBBox().width,
        })),
      );

    test('13 region shapes, each a small part of the map, filled by the stored temperatures in order', async () => {
      expect(await page.locator('body').getAttribute('data-hour')).toBe(formatHour(hours.latest));
      const shapes = await regionFills();
      expect(shapes).toHaveLength(13);
      const mapWidth = await page.$eval('svg.map', (svg) => (svg as SVGSVGElement).viewBox.baseVal.width);
      // A ring wound the wrong way for d3-geo draws the whole globe: no region spans the map.
      for (const shape of shapes) expect(shape.width).toBeLessThan(mapWidth * 0.6);

      const expected = withBefore(stored, hours.latest);
      const fill = new Map(shapes.map((s) => [s.region, s]));
      for (const row of expected) expect(Number(fill.get(row.region)?.temperature)).toBe(row.temperature);
      // Warmer is darker on the sequential ramp: sorted by stored temperature, luminance never rises.
      // (Two close temperatures may round to one 8-bit colour, so neighbours may be equal.)
      const ordered = [...expected].sort((a, b) => a.temperature - b.temperature);
      const shade = (row: { region: string }) => luminance(fill.get(row.region)!.fill);
      for (let i = 1; i < ordered.length; i++) {
        expect(shade(ordered[i]!)).toBeLessThanOrEqual(shade(ordered[i - 1]!));
      }
      // …and the warmest region is clearly darker than the coldest.
      if (ordered.at(-1)!.temperature > ordered[0]!.temperature)
        expect(shade(ordered.at(-1)!)).toBeLessThan(shade(ordered[0]!));
      // Regions without a row for the hour are drawn as no data.
      const missing = shapes.filter((s) => !expected.some((r) => r.region === s.region));
      for (const shape of missing) expect(shape.temperature).toBe('');
    });

    test("each region's 48-hour series breaks at the hour without a row, never bridging it", async () => {
      const series = await page.$$eval('.series-card', (cards) =>
        cards.map((card) => ({
          region: card.getAttribute('data-region') ?? '',
          path: card.querySelector('path.temp')?.getAttribute('d') ?? '',
        })),
      );
      expect(series).toHaveLength(13);
      const span = [...Array(48).keys()].map((i) => addHours(now, i - 47).getTime());
      for (const { region, path: d } of series) {
        // Runs of consecutive stored hours, counted from the table: each is one segment (one "M").
        const has = span.map((t) => stored.some((r) => r.region === region && r.hour.getTime() === t));
        const runs = has.filter((present, i) => present && !has[i - 1]).length;
        expect((d.match(/M/g) ?? []).length).toBe(runs);
      }
      expect(series.some(({ path: d }) => (d.match(/M/g) ?? []).length >= 2)).toBe(true);
    });

    test('keyboard focus on a region shows its stored numbers', async () => {
      const row = withBefore(stored, hours.latest).find((r) => r.temperature3HoursBefore !== null)!;
      // Tab through the page until the region is focused: regions are reachable by keyboard.
      let focused = '';
      for (let i = 0; i < 40 && focused !== row.region; i++) {
        await page.keyboard.press('Tab');
        focused = await page.evaluate(() => document.activeElement?.getAttribute('data-region') ?? '');
      }
      expect(focused).toBe(row.region);
      const tooltip = page.locator('#tooltip');
      await expect(tooltip.isVisible()).resolves.toBe(true);
      const text = await tooltip.innerText();
      expect(text).toContain(row.region);
      expect(text).toContain(`${row.temperature.toFixed(2)} °C`);
      expect(text).toContain(`Points: ${row.numberOfPoints}`);
      expect(text).toContain(`3 hours before: ${row.temperature3HoursBefore!.toFixed(2)} °C`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'page.png'), fullPage: true });
    });

    test('← steps to the previous hour and the map follows; the gap shows no data; a failed hour shows as failed', async () => {
      const before = await regionFills();
      await page.locator('h1').click();
      await page.keyboard.press('ArrowLeft');
      await page.waitForFunction((hour) => document.body.dataset.hour === hour, formatHour(hours.previous));
      const after = await regionFills();
      expect(after.map((s) => s.fill)).not.toEqual(before.map((s) => s.fill));
      const expected = new Map(withBefore(stored, hours.previous).map((r) => [r.region, r.temperature]));
      for (const shape of after) {
        if (expected.has(shape.region)) expect(Number(shape.temperature)).toBe(expected.get(shape.region));
      }

      await page.locator('#step-prev').click();
      await page.waitForFunction((hour) => document.body.dataset.hour === hour, formatHour(hours.gap));
      expect((await regionFills()).every((s) => s.temperature === '')).toBe(true);
      await expect(page.locator('.banner').innerText()).resolves.toMatch(/Nothing stored/);

      await page.selectOption('#hour-select', formatHour(hours.failed));
      await page.waitForFunction((hour) => document.body.dataset.hour === hour, formatHour(hours.failed));
      const banner = await page.locator('.banner').innerText();
      expect(banner).toMatch(/Import failed/);
      expect(banner).toMatch(failure);
      expect(await page.locator('#hour-select option:checked').innerText()).toMatch(/failed/);
      expect(await page.locator('.runs-table tr.run.failed').count()).toBe(1);
      await page.screenshot({ path: path.join(ARTIFACTS, 'page-failed-hour.png') });
    });

    test('every request went to the server itself', () => {
      const origin = new URL(served.url).origin;
      expect(requested.length).toBeGreaterThan(0);
      expect(requested.filter((url) => !url.startsWith(origin) && !url.startsWith('data:'))).toEqual([]);
    });

    test('a narrow window has no horizontal scroll, and the page reads without script', async () => {
      const context = await browser.newContext({
        viewport: { width: 380, height: 800 },
        javaScriptEnabled: false,
      });
      const narrow = await context.newPage();
      await narrow.goto(served.url);
      const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      expect(await narrow.locator('a.region').count()).toBe(13);
      const tableText = await narrow.locator('.regions-table').innerText();
      for (const row of withBefore(stored, hours.latest))
        expect(tableText).toContain(`${row.temperature.toFixed(2)} °C`);
      await narrow.screenshot({ path: path.join(ARTIFACTS, 'page-narrow.png') });
      await context.close();
    });
  });

  test('`tempctl report` writes one file that reads offline without script, with the 13 regions and their values', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tp-report-')), 'report.html');
    const result = await runTempctl(pipeline, ['report', '--hour', formatHour(hours.latest), '--out', out]);
    expect(result.code).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    // Nothing to load: no script, no style sheet, no image or font from elsewhere (links to the Temporal UI are only links).
    expect(html).not.toMatch(/<script|<link rel="stylesheet"|src="(?!data:)|url\((?!#)/);

    const context = await browser.newContext({ offline: true, javaScriptEnabled: false });
    const report = await context.newPage();
    const requests: string[] = [];
    report.on('request', (request) => requests.push(request.url()));
    await report.goto(`file://${out}`);
    expect(requests).toEqual([`file://${out}`]);
    expect(await report.locator('a.region').count()).toBe(13);
    const rows = await report.$$eval('.regions-table tbody tr', (trs) =>
      trs.map((tr) =>
        Array.from(tr.querySelectorAll('th, td')).map((cell) => (cell as HTMLElement).innerText),
      ),
    );
    expect(rows).toHaveLength(13);
    const expected = withBefore(stored, hours.latest);
    for (const row of expected) {
      const cells = rows.find((r) => r[0] === row.region);
      expect(cells).toEqual([
        row.region,
        `${row.temperature.toFixed(2)} °C`,
        String(row.numberOfPoints),
        row.temperature3HoursBefore === null ? 'no data' : `${row.temperature3HoursBefore.toFixed(2)} °C`,
      ]);
    }
    await report.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
    await context.close();
  });
});
