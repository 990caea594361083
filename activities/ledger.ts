/** The run ledger, the quality checks and the backfill plan: small reads and writes in PostgreSQL. */
import { isPartedSource } from '../adapters/sources/types';
import { DataQualityError } from '../core/errors';
import { DEFAULT_PARTS_CONCURRENCY } from '../core/parts';
import { planBackfill as planHours } from '../core/backfillPlan';
import { evaluateQuality, leadingCodes, SILENCE_HISTORY, type CheckOutcome } from '../core/quality';
import { rejectionExamples } from '../adapters/db/quarantine';
import { hourStates, regionsOfPreviousHours } from '../adapters/db/hours';
import { recordRunEnd, recordRunStart } from '../adapters/db/runs';
import type { RunStatus } from '../core/policies';
import type {
  BackfillPlan,
  BackfillSelection,
  FinishImportInput,
  HourStats,
  RunReport,
  StartImportInput,
  StartImportResult,
} from './types';
import type { ActivityDeps } from './deps';

/** A run's end as the ledger recorded it, for whoever listens (the worker's metrics). */
export interface RunEndEvent {
  runId: string;
  status: RunStatus;
  report: RunReport;
  finishedAt: Date;
}

export function createLedgerActivities(deps: ActivityDeps) {
  const { db } = deps;

  async function startImport(input: StartImportInput): Promise<StartImportResult> {
    await recordRunStart(db, {
      runId: input.runId,
      workflowId: input.workflowId,
      importHour: new Date(input.hour),
      trigger: input.trigger,
      startedAt: deps.now(),
      regionsHash: deps.regionsHash,
    });
    const parted = deps.sources.filter(isPartedSource).map((source) => source.name);
    return {
      sources: deps.sources.map((source) => source.name),
      regionsHash: deps.regionsHash,
      sourceFailurePolicy: deps.sourceFailurePolicy,
      // Only when a source is in parts: the result stays what it was for the others.
      ...(parted.length > 0
        ? { parts: { sources: parted, concurrency: deps.partsConcurrency ?? DEFAULT_PARTS_CONCURRENCY } }
        : {}),
    };
  }

  async function checkQuality(input: {
    hour: string;
    fetched: number;
    rejected: number;
    stats: HourStats;
    /** Of the hour's readings outside every region, how many fall inside one with lat/lon swapped. */
    outsideInsideIfSwapped?: number;
    /** The readings that count in the hour and are outside every region: the base of the count above. */
    outsidePlaced?: number;
    /** The fetches' rejected records by reason. */
    rejectedByReason?: Record<string, number>;
  }): Promise<string[]> {
    const previousImports = await regionsOfPreviousHours(db, new Date(input.hour), SILENCE_HISTORY);
    const outcomes = evaluateQuality(
      {
        fetched: input.fetched,
        rejected: input.rejected,
        counted: input.stats.counted,
        regionsNow: Object.keys(input.stats.pointsPerRegion),
        previousImports,
        rejectedByReason: input.rejectedByReason,
        // One example message for each leading reason, from the hour's quarantine.
        rejectionExamples:
          input.rejected === 0
            ? {}
            : await rejectionExamples(db, new Date(input.hour), leadingCodes(input.rejectedByReason)),
        outside: input.stats.outside,
        swapped:
          input.outsidePlaced === undefined
            ? undefined
            : { outside: input.outsidePlaced, insideIfSwapped: input.outsideInsideIfSwapped ?? 0 },
      },
      deps.quality,
    );
    const describe = (o: CheckOutcome) => `${o.check}: ${o.message}`;
    const failed = outcomes.filter((o) => o.action === 'fail');
    if (failed.length > 0) {
      throw new DataQualityError(
        `data-quality check failed, nothing stored: ${failed.map(describe).join('; ')}`,
      );
    }
    return outcomes.map(describe);
  }

  async function planBackfill(input: {
    from: string;
    to: string;
    only: BackfillSelection;
  }): Promise<BackfillPlan> {
    const states = await hourStates(db, new Date(input.from), new Date(input.to));
    return planHours(states, input.only);
  }

  /** Never fails on content (adapters/db/runs.ts sanitises); only the database can fail it. */
  async function finishImport(input: FinishImportInput): Promise<void> {
    const finishedAt = deps.now();
    await recordRunEnd(db, input.runId, {
      status: input.status,
      finishedAt,
      report: input.report,
      error: input.error,
    });
    await deps.onRunEnd?.({ runId: input.runId, status: input.status, report: input.report, finishedAt });
  }

  return { startImport, checkQuality, planBackfill, finishImport };
}
