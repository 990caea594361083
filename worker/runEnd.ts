/** The one place a run's end reaches the metrics: right after the ledger activity wrote it. */
import type { Knex } from 'knex';
import type { RunEndEvent } from '../activities';
import type { Logger } from '../adapters/observability/logger';
import type { PipelineMetrics } from './metrics';

export function runEndRecorder(
  db: Knex,
  metrics: PipelineMetrics,
  logger: Logger | undefined,
): (end: RunEndEvent) => Promise<void> {
  return async (end) => {
    try {
      const row = (await db('import_runs').where('run_id', end.runId).select('started_at').first()) as
        { started_at: Date | string } | undefined;
      const started = row ? new Date(row.started_at).getTime() : end.finishedAt.getTime();
      metrics.recordRunEnd({
        status: end.status === 'running' ? 'failed' : end.status,
        report: end.report,
        durationSeconds: Math.max(0, (end.finishedAt.getTime() - started) / 1000),
      });
    } catch (error) {
      // Metrics never fail an import: the ledger already has the run's end.
      logger?.warn({ err: error, runId: end.runId }, 'metrics: could not record the run end');
    }
  };
}
