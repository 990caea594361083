import { jest } from '@jest/globals';
import { warmEvery, type WarmableLookup } from '../../adapters/landing/versions';

describe('the version runs kept warm between fetches', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('each source is warmed every period, for the window of the current hour, until stopped', async () => {
    const calls: string[] = [];
    let failNext = true;
    const lookup: WarmableLookup = {
      lookUp: () => Promise.reject(new Error('not used')),
      warm: (source, importHour, horizonHours) => {
        calls.push(`${source} ${importHour.toISOString()} ${horizonHours}`);
        // A failure is left to the next landing's lookup: the timer goes on.
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('store away'));
        }
        return Promise.resolve();
      },
    };
    let clock = new Date('2026-12-07T10:20:00Z');
    const stop = warmEvery(lookup, ['partner-api', 'drop'], 168, () => clock, 10_000);
    expect(calls).toEqual([]);
    await jest.advanceTimersByTimeAsync(10_000);
    clock = new Date('2026-12-07T11:00:05Z');
    await jest.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual([
      'partner-api 2026-12-07T10:20:00.000Z 168',
      'drop 2026-12-07T10:20:00.000Z 168',
      'partner-api 2026-12-07T11:00:05.000Z 168',
      'drop 2026-12-07T11:00:05.000Z 168',
    ]);
    stop();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(4);
  });
});
