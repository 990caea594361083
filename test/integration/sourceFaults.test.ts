/**
 * Each fault of the partner API, over real HTTP through the real workflow: retried and then stored
 * exactly the independently computed aggregates, or failed fast with a clear message and nothing
 * stored. The API key never reaches workflow history.
 */
import net, { type AddressInfo } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import { hourAggregates } from '../../adapters/db/hours';
import { runsForHour } from '../../adapters/db/runs';
import { runImport } from '../../client/imports';
import { deepestMessage } from '../../core/errors';
import { addHours, formatHour, truncateToHour, workflowIdForHour } from '../../core/importHour';
import { freshHours } from '../support/hours';
import type { FaultMode } from '../../sim/server';
import { expectedAggregates } from '../support/expectations';
import { runTempctl, startPipeline, TEST_API_KEY, type Pipeline } from '../support/pipeline';
import { expectSameAggregates, lastDataRecords } from '../support/served';

describe('source faults end to end', () => {
  let pipeline: Pipeline;
  const now = truncateToHour(new Date());
  /** A fresh import hour per scenario, so each one fetches. */
  const freshHour = freshHours(0, now);

  beforeAll(async () => {
    pipeline = await startPipeline({
      // Hours up to a day old may be fetched here: each scenario needs an hour of its own.
      env: { FETCH_MAX_LAG_HOURS: '48', SENSOR_API_TIMEOUT_MS: '1500' },
      simulator: { slowMs: 4_000, readingsPerCall: 200 },
    });
  });
  afterAll(() => pipeline.stop());

  async function historyText(hour: Date): Promise<string> {
    const history = await pipeline.client.workflow.getHandle(workflowIdForHour(hour)).fetchHistory();
    return JSON.stringify(history);
  }

  test.each<[string, FaultMode[]]>([
    ['500 then 503 (Retry-After) then 429 (Retry-After)', ['500', '503', '429']],
    ['a truncated body', ['trunc']],
    ['an answer slower than the timeout', ['slow']],
    ['a dropped connection', ['reset']],
  ])('%s: retried, then exactly the aggregates of what was finally sent', async (_label, faults) => {
    const hour = freshHour();
    const callsBefore = pipeline.simulator.calls;
    pipeline.simulator.setFaults(faults);
    const summary = await runImport(pipeline.client, pipeline.config, hour);

    expect(pipeline.simulator.calls - callsBefore).toBe(faults.length + 1);
    const expected = expectedAggregates(lastDataRecords(pipeline));
    expectSameAggregates(await hourAggregates(pipeline.database.db, hour), expected);
    expect(summary.status).toBe('succeeded');
    expect(await historyText(hour)).not.toContain(TEST_API_KEY);
  });

  test.each<[string, FaultMode, RegExp]>([
    ['401', '401', /the sensor API rejected the API key/],
    ['403', '403', /the sensor API rejected the API key/],
    ['404', '404', /404/],
    ['a JSON object instead of an array', 'object', /not .*array/i],
  ])('%s: fails at once with a clear message, nothing stored', async (_label, fault, message) => {
    const hour = freshHour();
    const callsBefore = pipeline.simulator.calls;
    pipeline.simulator.setFaults([fault]);
    const failure = await runImport(pipeline.client, pipeline.config, hour).then(
      () => undefined,
      (error: unknown) => error,
    );
    pipeline.simulator.setFaults([]);

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const text = deepestMessage(failure);
    expect(text).toMatch(message);
    expect(text).not.toContain(TEST_API_KEY);
    expect(pipeline.simulator.calls - callsBefore).toBe(1);
    expect(await hourAggregates(pipeline.database.db, hour)).toEqual([]);
    const [ledger] = await runsForHour(pipeline.database.db, hour);
    expect(ledger?.status).toBe('failed');
    expect(ledger?.error).toMatch(message);
    expect(await historyText(hour)).not.toContain(TEST_API_KEY);
  });

  test('an hour that has not begun is refused before any call: present readings are not filed under it', async () => {
    const future = addHours(now, 2);
    const callsBefore = pipeline.simulator.calls;
    const failure = await runImport(pipeline.client, pipeline.config, future).catch(
      (error: unknown) => error,
    );
    expect(deepestMessage(failure)).toMatch(/refusing to fetch for .*: that hour has not begun/);
    expect(pipeline.simulator.calls).toBe(callsBefore);
    const landed = (await pipeline.database
      .db('fetch_batches')
      .where('import_hour', future)
      .count({ n: '*' })
      .first()) as {
      n: string;
    };
    expect(Number(landed.n)).toBe(0);
  });

  test('malformed records are quarantined with their reasons; the good ones are aggregated', async () => {
    const hour = freshHour();
    pipeline.simulator.setFaults(['malformed']);
    const summary = await runImport(pipeline.client, pipeline.config, hour);
    const records = lastDataRecords(pipeline);

    const expected = expectedAggregates(records);
    expectSameAggregates(await hourAggregates(pipeline.database.db, hour), expected);

    const quarantined = (await pipeline.database
      .db('quarantine')
      .where('import_hour', hour)
      .select('raw', 'reasons')) as { raw: unknown; reasons: { code: string }[] }[];
    const codes = quarantined.flatMap((q) => q.reasons.map((r) => r.code)).sort();
    expect(codes).toEqual(
      [
        'lat_invalid',
        'lat_invalid',
        'not_an_object',
        'temperature_implausible',
        'temperature_invalid',
      ].sort(),
    );
    // Every quarantined record is one the source sent, kept as sent.
    for (const { raw } of quarantined) expect(records).toContainEqual(raw);
    expect(summary.totals).toMatchObject({ fetched: records.length, rejected: 5, duplicates: 1 });
    expect(summary.rejectedByReason).toMatchObject({ lat_invalid: 2, not_an_object: 1 });
  });

  test('`tempctl run` prints a clear failure and exits non-zero', async () => {
    const hour = freshHour();
    pipeline.simulator.setFaults(['401']);
    const result = await runTempctl(pipeline, ['run', '--hour', formatHour(hour)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/tempctl: failed: .*the sensor API rejected the API key/);
    expect(result.stderr + result.stdout).not.toContain(TEST_API_KEY);
  });
});

describe('the partner on a closed port', () => {
  let pipeline: Pipeline;
  let closedUrl: string;

  beforeAll(async () => {
    // A port that was free a moment ago and has no listener now: every connection is refused.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    closedUrl = `http://127.0.0.1:${port}/readings`;
    pipeline = await startPipeline({ env: { SENSOR_API_URL: closedUrl, FETCH_MAX_LAG_HOURS: '48' } });
  });
  afterAll(() => pipeline.stop());

  test('ECONNREFUSED: `tempctl run` says the import failed naming the partner, never a lost Temporal', async () => {
    const hour = addHours(truncateToHour(new Date()), -1);
    const result = await runTempctl(pipeline, ['run', '--hour', formatHour(hour)], {
      SENSOR_API_URL: closedUrl,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/tempctl: failed: .*ECONNREFUSED/);
    expect(result.stderr).toContain('tempctl: the part that failed: partner; check SENSOR_API_URL');
    expect(result.stderr + result.stdout).not.toContain('Lost the connection to Temporal');
    // Nothing reached the simulator, nothing is stored, and the ledger names the partner.
    expect(pipeline.simulator.calls).toBe(0);
    expect(await hourAggregates(pipeline.database.db, hour)).toEqual([]);
    const [ledger] = await runsForHour(pipeline.database.db, hour);
    expect(ledger?.status).toBe('failed');
    expect((ledger?.report as { failure?: unknown } | undefined)?.failure).toMatchObject({
      component: 'partner',
    });
  }, 180_000);
});
