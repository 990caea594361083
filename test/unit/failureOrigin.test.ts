/**
 * Which part failed, read by type and fields (core/failureOrigin.ts, originOf in core/errors.ts),
 * and `tempctl run` telling a failed import from a lost Temporal server by type
 * (adapters/temporal/unreachable.ts): issue 25.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { toApplicationFailure } from '../../activities/failures';
import { DatabaseError, ObjectStoreError, SourceError, originOf } from '../../core/errors';
import { carriedOrigin } from '../../core/failureOrigin';
import { isTemporalUnavailable } from '../../adapters/temporal/unreachable';
import { SOURCE_FAILED } from '../../workflows/failures';
import { PipelineMetrics } from '../../worker/metrics';

describe('originOf', () => {
  test.each([
    ['a source error', new SourceError('partner-api', 'HTTP 503', { retryable: true }), 'partner'],
    ['a database error', new DatabaseError('database unreachable'), 'database'],
    [
      'a store error carrying its origin',
      new ObjectStoreError('x', {
        retryable: true,
        origin: { component: 'backup-store', setting: 'BACKUP_DIR' },
      }),
      'backup-store',
    ],
    [
      'a full scratch disk',
      Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
      'disk',
    ],
    ['a bug', new TypeError('x is undefined'), 'pipeline'],
  ])('%s', (_name, error, component) => {
    expect(originOf(error).component).toBe(component);
  });

  test('the partner key and URL, the database URL and a disk error name their settings', () => {
    expect(originOf(new SourceError('partner-api', 'x', { retryable: false })).setting).toContain(
      'SENSOR_API_URL',
    );
    expect(originOf(new SourceError('file-drop', 'x', { retryable: false })).setting).toBe('FILE_DROP_DIR');
    expect(originOf(new DatabaseError('x')).setting).toBe('DATABASE_URL');
    expect(originOf(Object.assign(new Error('x'), { code: 'EROFS' })).setting).toBe('DATA_DIR');
  });

  test("an activity's failure carries the origin in its details, and names a raw disk error in its message", () => {
    const failure = toApplicationFailure(
      Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }),
    );
    expect(failure.details).toEqual([{ component: 'disk', setting: 'DATA_DIR' }]);
    expect(failure.message).toBe('the local disk (check DATA_DIR): ENOSPC: no space left');
    // Read back through a workflow failure's cause chain, as `tempctl run` reads it.
    const workflowFailed = new WorkflowFailedError(
      'Workflow execution failed',
      new ActivityFailure(
        'Activity task failed',
        'fetchSource',
        '1',
        RetryState.MAXIMUM_ATTEMPTS_REACHED,
        undefined,
        failure,
      ),
      RetryState.NON_RETRYABLE_FAILURE,
    );
    expect(carriedOrigin(workflowFailed)).toEqual({ component: 'disk', setting: 'DATA_DIR' });
  });
});

describe('isTemporalUnavailable', () => {
  test('a failed import whose cause is ECONNREFUSED at the partner is the import failing, not Temporal', () => {
    const partnerDown = ApplicationFailure.create({
      message:
        'partner-api: network error calling http://127.0.0.1:9/readings: connect ECONNREFUSED 127.0.0.1:9',
      type: 'SourceError',
    });
    const failed = new WorkflowFailedError(
      'Workflow execution failed',
      ApplicationFailure.create({ message: 'source failed', type: SOURCE_FAILED, cause: partnerDown }),
      RetryState.NON_RETRYABLE_FAILURE,
    );
    expect(isTemporalUnavailable(failed)).toBe(false);
    expect(isTemporalUnavailable(partnerDown)).toBe(false);
  });

  test('gRPC UNAVAILABLE and DEADLINE_EXCEEDED from the client are Temporal being away', () => {
    expect(
      isTemporalUnavailable(
        Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 }),
      ),
    ).toBe(true);
    expect(isTemporalUnavailable(Object.assign(new Error('deadline'), { code: 4 }))).toBe(true);
  });
});

describe('import_failures_total', () => {
  test('a failed run counts under the component its report names; one without, under unknown', async () => {
    const metrics = new PipelineMetrics(['Bretagne'], 0.2);
    const failed = (failure?: unknown) => ({
      status: 'failed' as const,
      report: { fetches: [], failedSources: [], recomputedHours: [], failure },
      durationSeconds: 1,
    });
    metrics.recordRunEnd(failed({ component: 'landing-store', setting: 'LANDING_STORE_URL' }));
    metrics.recordRunEnd(failed({ component: 'landing-store', setting: 'LANDING_STORE_URL' }));
    metrics.recordRunEnd(failed({ component: 'database', setting: 'DATABASE_URL' }));
    metrics.recordRunEnd(failed());
    const text = await metrics.registry.metrics();
    expect(text).toContain('temperature_pipeline_import_failures_total{component="landing-store"} 2');
    expect(text).toContain('temperature_pipeline_import_failures_total{component="database"} 1');
    expect(text).toContain('temperature_pipeline_import_failures_total{component="unknown"} 1');
  });
});
