/** The run ledger: one row per import run, what it did and how it ended. */
import type { Knex } from 'knex';
import type { RunStatus } from '../../core/policies';
import { safeMessage, storableJson } from '../../core/safeText';

export interface RunStart {
  runId: string;
  workflowId: string;
  importHour: Date;
  trigger: string;
  startedAt: Date;
  regionsHash: string;
}

/** Idempotent: a retried start leaves one row with the first start time. */
export async function recordRunStart(db: Knex, run: RunStart): Promise<void> {
  await db('import_runs')
    .insert({
      run_id: run.runId,
      workflow_id: run.workflowId,
      import_hour: run.importHour,
      trigger: run.trigger,
      status: 'running',
      started_at: run.startedAt,
      regions_hash: run.regionsHash,
    })
    .onConflict('run_id')
    .ignore();
}

/**
 * Writes how the run ended. Never fails on content: the error goes through the one sanitiser and
 * the report is made storable as jsonb, whatever text the failure quoted.
 */
export async function recordRunEnd(
  db: Knex,
  runId: string,
  end: { status: RunStatus; finishedAt: Date; report: unknown; error: string | null },
): Promise<void> {
  await db('import_runs')
    .where('run_id', runId)
    .update({
      status: end.status,
      finished_at: end.finishedAt,
      report: storableJson(end.report) ?? 'null',
      error: end.error === null ? null : safeMessage(end.error),
    });
}

export interface RunRow {
  run_id: string;
  workflow_id: string;
  import_hour: Date;
  trigger: string;
  status: RunStatus;
  started_at: Date;
  finished_at: Date | null;
  regions_hash: string | null;
  report: unknown;
  error: string | null;
}

export async function runsForHour(db: Knex, hour: Date): Promise<RunRow[]> {
  return (await db('import_runs').where('import_hour', hour).orderBy('started_at')) as RunRow[];
}
