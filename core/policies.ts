/**
 * The pipeline's rules an operator chooses between (README, configuration table): each list is the
 * one home of its names, read by `config/index.ts` to validate the setting and by the code applying it.
 */

/** Which version of a re-sent reading counts (CORRECTION_STRATEGY; docs/versioning.md). */
export const CORRECTION_STRATEGIES = ['latest', 'first'] as const;
export type CorrectionStrategy = (typeof CORRECTION_STRATEGIES)[number];

/** What a failing source does to the hour (SOURCE_FAILURE_POLICY): fail it, or store the others as incomplete. */
export const SOURCE_FAILURE_POLICIES = ['fail', 'partial'] as const;
export type SourceFailurePolicy = (typeof SOURCE_FAILURE_POLICIES)[number];

/** What a data-quality check does when it fires (CHECK_* settings; core/quality.ts). */
export const CHECK_ACTIONS = ['warn', 'fail', 'off'] as const;
export type CheckAction = (typeof CHECK_ACTIONS)[number];

/**
 * How an import run stands in the run ledger (`import_runs.status`; migration 001's CHECK lists the
 * same four): running until it ends, then succeeded, incomplete (a source failed or could not be
 * fetched, SOURCE_FAILURE_POLICY=partial) or failed.
 */
export const RUN_STATUSES = ['running', 'succeeded', 'incomplete', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** How a run ended. */
export type EndedRunStatus = Exclude<RunStatus, 'running'>;
/** How a run that stored its aggregates ended (the summary's status). */
export type StoredRunStatus = Exclude<EndedRunStatus, 'failed'>;

/** The sources the pipeline can fetch (SOURCES), each built by adapters/sources/index.ts. */
export const PARTNER_API_SOURCE = 'partner-api';
export const FILE_DROP_SOURCE = 'file-drop';
export const OBJECT_DROP_SOURCE = 'object-drop';
export const SOURCE_NAMES = [PARTNER_API_SOURCE, FILE_DROP_SOURCE, OBJECT_DROP_SOURCE] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];
export function isSourceName(name: string): name is SourceName {
  return (SOURCE_NAMES as readonly string[]).includes(name);
}

/**
 * How the partner API delivers an hour (SENSOR_API_PAGING): one answer, pages chained by a cursor
 * (each page's `next` link), or numbered pages (`?page=k`, the count in page 1's `X-Total-Pages`).
 */
export const PAGING_MODES = ['none', 'cursor', 'page'] as const;
export type PagingMode = (typeof PAGING_MODES)[number];
