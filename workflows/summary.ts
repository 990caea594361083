/** The import's one-screen summary: what the CLI prints and the run ledger stores. */
import type {
  AssignSummary,
  FetchSummary,
  HourStats,
  ImportTrigger,
  SourceFailure,
} from '../activities/types';
import type { RegionAggregate } from '../core/aggregate';
import type { StoredRunStatus } from '../core/policies';

export interface ImportSummary {
  hour: string;
  runId: string;
  workflowId: string;
  trigger: ImportTrigger;
  status: StoredRunStatus;
  regionsHash: string;
  totals: {
    fetched: number;
    valid: number;
    rejected: number;
    duplicates: number;
    corrections: number;
    counted: number;
    outside: number;
  };
  rejectedByReason: Record<string, number>;
  countryMismatches: HourStats['countryMismatches'];
  sources: FetchSummary[];
  failedSources: SourceFailure[];
  recomputedHours: string[];
  /** The hour's buckets, and those this run computed (the others' stored results were reused). */
  buckets: { count: number; computed: number[] };
  /** Data-quality checks set to warn that fired. */
  warnings: string[];
  regions: RegionAggregate[];
}

export function summariseImport(parts: {
  hour: string;
  runId: string;
  workflowId: string;
  trigger: ImportTrigger;
  regionsHash: string;
  fetches: FetchSummary[];
  failedSources: SourceFailure[];
  recomputedHours: string[];
  warnings: string[];
  assigned: AssignSummary;
  aggregates: RegionAggregate[];
  stats: HourStats;
  buckets: { count: number; computed: number[] };
}): ImportSummary {
  const sum = (pick: (f: FetchSummary) => number) => parts.fetches.reduce((total, f) => total + pick(f), 0);
  const rejectedByReason = sumRejectedByReason(parts.fetches);
  return {
    hour: parts.hour,
    runId: parts.runId,
    workflowId: parts.workflowId,
    trigger: parts.trigger,
    // A source that failed, or that could not be fetched for the hour, leaves the hour incomplete.
    status:
      parts.failedSources.length > 0 || parts.fetches.some((f) => f.notFetched !== undefined)
        ? 'incomplete'
        : 'succeeded',
    regionsHash: parts.regionsHash,
    totals: {
      fetched: sum((f) => f.fetched),
      valid: sum((f) => f.valid),
      rejected: sum((f) => f.rejected),
      duplicates: sum((f) => f.duplicates),
      corrections: sum((f) => f.corrections),
      counted: parts.stats.counted,
      outside: parts.stats.outside,
    },
    rejectedByReason,
    countryMismatches: parts.stats.countryMismatches,
    sources: parts.fetches,
    failedSources: parts.failedSources,
    recomputedHours: parts.recomputedHours,
    buckets: parts.buckets,
    warnings: parts.warnings,
    regions: parts.aggregates,
  };
}

/** The fetches' rejected records by reason code, summed. */
export function sumRejectedByReason(
  fetches: readonly Pick<FetchSummary, 'rejectedByReason'>[],
): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const fetch of fetches)
    for (const [code, count] of Object.entries(fetch.rejectedByReason)) sum[code] = (sum[code] ?? 0) + count;
  return sum;
}
