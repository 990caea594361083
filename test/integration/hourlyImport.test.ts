import { hourAggregates } from '../../adapters/db/hours';
import { runsForHour } from '../../adapters/db/runs';
import { runImport } from '../../client/imports';
import { addHours, formatHour, truncateToHour } from '../../core/importHour';
import { applySchedule, scheduleHandle, SCHEDULE_ID } from '../../client/schedule';
import { expectedAggregates } from '../support/expectations';
import { runTempctl, startPipeline, TEST_API_KEY, type Pipeline } from '../support/pipeline';
import { dataCallRecords, expectSameAggregates } from '../support/served';

describe('hourly import end to end (Temporal dev server, worker, simulator over HTTP, PostgreSQL)', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline();
  });
  afterAll(() => pipeline.stop());

  // The sources serve the present, so the pipeline only fetches recent hours: test with the current one.
  const hour = truncateToHour(new Date());

  test('`tempctl run --hour` stores exactly the per-region means and counts of what the source sent', async () => {
    const { code, stdout } = await runTempctl(pipeline, ['run', '--hour', formatHour(hour)]);
    expect(code).toBe(0);
    expect(pipeline.simulator.dataCalls).toBe(1);
    const expected = expectedAggregates(dataCallRecords(pipeline, 0));
    expect(expected.length).toBeGreaterThanOrEqual(10);
    expectSameAggregates(await hourAggregates(pipeline.database.db, hour), expected);

    expect(stdout).toContain(`Import ${formatHour(hour)}  SUCCEEDED`);
    for (const { region, numberOfPoints } of expected)
      expect(stdout).toMatch(new RegExp(`${region}\\s+\\S+\\s+${numberOfPoints}\\b`));
    expect(stdout).not.toContain(TEST_API_KEY);

    const [ledger] = await runsForHour(pipeline.database.db, hour);
    expect(ledger).toMatchObject({
      status: 'succeeded',
      trigger: 'manual',
      workflow_id: `hourly-import-${formatHour(hour)}`,
    });
  });

  test('a rerun of the hour recomputes from the landed readings: same rows, no call to the source', async () => {
    const before = await hourAggregates(pipeline.database.db, hour);
    const callsBefore = pipeline.simulator.calls;
    const summary = await runImport(pipeline.client, pipeline.config, hour);
    expect(pipeline.simulator.calls).toBe(callsBefore);
    expect(summary.sources[0]).toMatchObject({ source: 'partner-api', reusedLanded: true });
    expect(await hourAggregates(pipeline.database.db, hour)).toEqual(before);
    expect(await runsForHour(pipeline.database.db, hour)).toHaveLength(2);
  });

  test("`tempctl query three-hours-before --region` prints that region's hours from the view", async () => {
    const [first] = await hourAggregates(pipeline.database.db, hour);
    if (!first) throw new Error('the hour has no rows');
    const { code, stdout } = await runTempctl(pipeline, [
      'query',
      'three-hours-before',
      '--region',
      first.region,
      '--from',
      formatHour(hour),
    ]);
    expect(code).toBe(0);
    const rows = stdout.split('\n').filter((line) => line.includes(formatHour(hour)));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(first.region);
    expect(rows[0]).toContain(first.temperature.toFixed(2));
    // No row 3 hours before in this fresh database: the last column is empty.
    expect(rows[0]?.trim().endsWith('—')).toBe(true);
  });

  test('two requests for the same hour at once meet in one import', async () => {
    const other = addHours(hour, -1);
    const [a, b] = await Promise.all([
      runImport(pipeline.client, pipeline.config, other),
      runImport(pipeline.client, pipeline.config, other),
    ]);
    expect(a.runId).toBe(b.runId);
    expect(await runsForHour(pipeline.database.db, other)).toHaveLength(1);
  });

  test('`schedule apply` twice leaves one unchanged schedule; a triggered run stores its nominal hour', async () => {
    const { client, config } = pipeline;
    await scheduleHandle(client)
      .delete()
      .catch(() => undefined);
    expect(await applySchedule(client, config)).toBe('created');
    expect(await applySchedule(client, config)).toBe('unchanged');
    const ids: string[] = [];
    for await (const s of client.schedule.list()) ids.push(s.scheduleId);
    expect(ids.filter((id) => id === SCHEDULE_ID)).toHaveLength(1);

    try {
      await scheduleHandle(client).trigger();
      let recent: { scheduledAt: Date; workflowId: string } | undefined;
      for (let i = 0; i < 100 && !recent; i++) {
        const action = (await scheduleHandle(client).describe()).info.recentActions[0];
        if (action?.action.type === 'startWorkflow') {
          recent = { scheduledAt: action.scheduledAt, workflowId: action.action.workflow.workflowId };
        } else await new Promise((resolve) => setTimeout(resolve, 200));
      }
      if (!recent) throw new Error('the triggered run did not start');
      const summary = (await client.workflow.getHandle(recent.workflowId).result()) as {
        hour: string;
        trigger: string;
      };
      const nominalHour = truncateToHour(recent.scheduledAt);
      expect(summary).toMatchObject({ hour: formatHour(nominalHour), trigger: 'schedule' });
      expect((await hourAggregates(pipeline.database.db, nominalHour)).length).toBeGreaterThan(0);
    } finally {
      await scheduleHandle(client).delete();
    }
  });
});
