/**
 * Issue 25, "SeaweedFS stopped for 23 s, and for 42 s, during the landing" and "stopped for good",
 * against a SeaweedFS of this file's own, really stopped (SIGTERM) and started again on the same data: the partner is
 * called once per hour whatever the outage (the answer is parked on the worker's disk from its
 * last byte, and storing it is retried inside the fetch within LANDING_STORE_RETRY_BUDGET_MS);
 * an outage longer than that fails the hour naming the landing store and its settings, in the
 * ledger, `tempctl run` (never as a lost Temporal), `tempctl status` and the metrics' label; once
 * the store is back, a rerun lands the parked answer, still without a second call. The stored
 * rows are compared with aggregates computed independently (test/support/expectations.ts).
 */
import { startSeaweed, type SeaweedServer } from '../../adapters/objectStore/seaweed';
import { hourAggregates } from '../../adapters/db/hours';
import { runImport } from '../../client';
import { addHours, formatHour, truncateToHour } from '../../core/importHour';
import { generateReadings } from '../../sim/generator';
import { expectedAggregates } from '../support/expectations';
import { startFixedPartner, type FixedPartner } from '../support/partner';
import { runTempctl, startPipeline, TEST_API_KEY, type Pipeline } from '../support/pipeline';

let seaweed: SeaweedServer;
let partner: FixedPartner;
let pipeline: Pipeline;
let storeEnv: Record<string, string>;
const now = truncateToHour(new Date());

function byRegion<T extends { region: string }>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => a.region.localeCompare(b.region, 'fr'));
}

/** The rows are the expected ones: same regions and counts, means equal to 9 decimals. */
async function expectStored(hour: Date, records: readonly unknown[]): Promise<void> {
  const actual = byRegion(await hourAggregates(pipeline.database.db, hour));
  const expected = expectedAggregates(records);
  expect(actual.map((r) => [r.region, r.numberOfPoints])).toEqual(
    expected.map((r) => [r.region, r.numberOfPoints]),
  );
  actual.forEach((row, i) => expect(row.temperature).toBeCloseTo(expected[i]?.temperature ?? NaN, 9));
}

beforeAll(async () => {
  [seaweed, partner] = await Promise.all([
    startSeaweed({ bucket: 'tp-outage' }),
    startFixedPartner(TEST_API_KEY),
  ]);
  storeEnv = {
    SENSOR_API_URL: partner.url,
    LANDING_STORE_URL: `s3://${seaweed.bucket}/landing`,
    S3_ENDPOINT: seaweed.endpoint,
    S3_ACCESS_KEY_ID: seaweed.s3.credentials?.accessKeyId ?? '',
    S3_SECRET_ACCESS_KEY: seaweed.s3.credentials?.secretAccessKey.reveal() ?? '',
    S3_TIMEOUT_MS: '3000',
    // The 23 s outage is waited out within one attempt; the 42 s one outlasts it, and the next
    // attempt lands the kept answer; for good, every attempt fails.
    LANDING_STORE_RETRY_BUDGET_MS: '25000',
    // Each scenario has an hour of its own, a few hours back.
    FETCH_MAX_LAG_HOURS: '48',
  };
  pipeline = await startPipeline({ env: storeEnv });
}, 180_000);
afterAll(async () => {
  await pipeline?.stop();
  await Promise.all([seaweed?.stop(), partner?.close()]);
});

// The two outages, shorter and longer than one attempt's budget (25 s here): each lands
// the parked answer with one partner call.
test.each([
  [23, 1],
  [42, 2],
])(
  'SeaweedFS stopped when the answer arrives and started %i s later: the hour is exact, with one partner call',
  async (seconds, hoursAgo) => {
    const hour = addHours(now, -hoursAgo);
    const records = generateReadings(30 + hoursAgo, 0, 400, new Date(hour.getTime() + 600_000));
    const callsBefore = partner.calls;
    let resumed: Promise<void> = Promise.resolve();
    partner.answer({
      body: JSON.stringify(records),
      // The store goes down while the request is in flight: the last byte arrives with it stopped.
      delayMs: 1_500,
      onRequest: () => {
        resumed = seaweed
          .halt()
          .then(() => new Promise((resolve) => setTimeout(resolve, seconds * 1000)))
          .then(() => seaweed.resume());
      },
    });
    const summary = await runImport(pipeline.client, pipeline.config, hour);
    await resumed;
    expect(summary.status).toBe('succeeded');
    expect(partner.calls - callsBefore).toBe(1);
    await expectStored(hour, records);
  },
  300_000,
);

test('SeaweedFS stopped for good: the hour fails naming the landing store, one partner call; back, a rerun lands the kept answer', async () => {
  const hour = addHours(now, -3);
  const records = generateReadings(33, 0, 300, new Date(hour.getTime() + 600_000));
  const callsBefore = partner.calls;
  partner.answer({ body: JSON.stringify(records), delayMs: 1_500, onRequest: () => void seaweed.halt() });
  // Five attempts, each waiting out the budget, none calling the partner again; then the hour fails.
  const result = await runTempctl(pipeline, ['run', '--hour', formatHour(hour)], storeEnv);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('tempctl: failed: the landing store (check LANDING_STORE_URL, S3_ENDPOINT');
  expect(result.stderr).toContain('tempctl: the part that failed: landing-store; check LANDING_STORE_URL');
  expect(result.stderr).not.toContain('Lost the connection to Temporal');
  expect(partner.calls - callsBefore).toBe(1);

  const [run] = (await pipeline.database
    .db('import_runs')
    .where('import_hour', hour)
    .orderBy('started_at', 'desc')) as {
    status: string;
    error: string;
    report: { failure?: { component: string; setting: string }; failedSources: unknown[] };
  }[];
  expect(run?.status).toBe('failed');
  expect(run?.report.failure?.component).toBe('landing-store');
  expect(run?.report.failedSources).toEqual([]);

  const status = await runTempctl(pipeline, ['status'], storeEnv);
  expect(status.stdout).toMatch(
    new RegExp(
      `${formatHour(hour)}\\s+failed .*\\(failed in landing-store: check LANDING_STORE_URL, S3_ENDPOINT`,
    ),
  );
  expect(status.stdout).not.toContain('failing sources');

  await seaweed.resume();
  const rerun = await runImport(pipeline.client, pipeline.config, hour);
  expect(rerun.status).toBe('succeeded');
  expect(partner.calls - callsBefore).toBe(1);
  await expectStored(hour, records);
}, 600_000);
