/** `tempctl status`'s verdict (core/health.ts): each rule, from facts built by hand. */
import { evaluateHealth, type HealthFacts, type PipelineState } from '../../core/health';

const NOW = new Date('2026-11-29T15:20:00Z');
const healthyState: PipelineState = {
  lastSuccess: { hour: '2026-11-29T15:00:00Z', finishedAt: '2026-11-29T15:01:00Z' },
  lastSuccessBySource: [
    { source: 'partner-api', hour: '2026-11-29T15:00:00Z', finishedAt: '2026-11-29T15:01:00Z' },
  ],
  latestHours: [
    {
      hour: '2026-11-29T15:00:00Z',
      status: 'succeeded',
      finishedAt: '2026-11-29T15:01:00Z',
      error: null,
      failedSources: [],
      counted: 500,
      outside: 5,
    },
  ],
  latestRegionPoints: { hour: '2026-11-29T15:00:00Z', points: { Bretagne: 40 } },
  recent: { readings: 9_500, quarantined: 500 },
  latestBackupHour: '2026-11-29T15:00:00Z',
};
const facts = (change: Partial<HealthFacts> = {}, state: Partial<PipelineState> = {}): HealthFacts => ({
  now: NOW,
  state: { ...healthyState, ...state },
  schedule: { paused: false, note: undefined, nextRuns: ['2026-11-29T16:00:00.000Z'] },
  rejectedShareLimit: 0.2,
  ...change,
});

test('healthy: fresh success, newest hour succeeded, schedule active, 5% quarantined, backups current', () => {
  const report = evaluateHealth(facts());
  expect(report).toEqual({
    level: 'healthy',
    exitCode: 0,
    findings: [],
    freshnessHours: 19 / 60,
    quarantineShare: 0.05,
    backupLagHours: 0,
  });
});

test.each([
  ['no success ever', facts({}, { lastSuccess: null }), 'no import has ever succeeded'],
  [
    'no success for 2 h 01 min',
    facts({ now: new Date('2026-11-29T17:02:00Z') }),
    'no successful import for 2.0 h (limit 2 h)',
  ],
  [
    'the newest hour failed',
    facts(
      {},
      { latestHours: [{ ...healthyState.latestHours[0]!, status: 'failed', error: 'source failed: 401' }] },
    ),
    '2026-11-29T15:00:00Z failed: source failed: 401',
  ],
  [
    'Temporal unreachable',
    facts({ schedule: { unreachable: 'connection refused' } }),
    'Temporal cannot be asked: connection refused',
  ],
])('failing (exit 2): %s', (_, input, message) => {
  const report = evaluateHealth(input);
  expect(report.level).toBe('failing');
  expect(report.exitCode).toBe(2);
  expect(report.findings).toContainEqual({ level: 'failing', message });
});

test.each([
  [
    'the schedule paused',
    facts({ schedule: { paused: true, note: 'INC-1', nextRuns: [] } }),
    'the schedule is paused (INC-1)',
  ],
  [
    'the schedule missing',
    facts({ schedule: null }),
    'the hourly schedule does not exist (tempctl schedule apply)',
  ],
  [
    'the newest hour incomplete with a failing source',
    facts(
      {},
      {
        latestHours: [
          { ...healthyState.latestHours[0]!, status: 'incomplete', failedSources: ['file-drop'] },
        ],
      },
    ),
    'failing sources in 2026-11-29T15:00:00Z: file-drop',
  ],
  [
    '25% quarantined, limit 20%',
    facts({}, { recent: { readings: 750, quarantined: 250 } }),
    '25.0% of recent records quarantined (limit 20.0%)',
  ],
  [
    'backups 2 h behind',
    facts({}, { latestBackupHour: '2026-11-29T13:00:00Z' }),
    'backups are 2 h behind (newest 2026-11-29T13:00:00Z)',
  ],
  ['no backup at all', facts({}, { latestBackupHour: null }), 'no backup at all'],
])('degraded (exit 1): %s', (_, input, message) => {
  const report = evaluateHealth(input);
  expect(report.level).toBe('degraded');
  expect(report.exitCode).toBe(1);
  expect(report.findings).toContainEqual({ level: 'degraded', message });
});

test('exactly at the limits: 2 h since the last success, a 20% share and a 1 h backup lag are still healthy', () => {
  const report = evaluateHealth(
    facts(
      { now: new Date('2026-11-29T17:01:00Z') },
      { recent: { readings: 800, quarantined: 200 }, latestBackupHour: '2026-11-29T14:00:00Z' },
    ),
  );
  expect(report.level).toBe('healthy');
});
