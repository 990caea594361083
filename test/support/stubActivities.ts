/**
 * Stub activities for workflow tests, in one place so a change to the activities' contract is
 * adapted here only. Each stub records its call and answers from a script; by default every step
 * succeeds with small, fixed figures. A test drives a workflow branch by scripting an outcome
 * (a source that fails, a hour too old to fetch, a quality check or a backup that fails), then runs
 * the real workflow code on the shared Temporal dev server with a worker given these stubs.
 *
 * Failures are thrown as non-retryable ApplicationFailures, as `activities/failures.ts` turns the
 * pipeline's non-retryable errors into: the workflow sees what a real activity would send it.
 */
import type { BucketResult } from '../../core/bucket';
import { addToPartials, type RegionPartials } from '../../core/aggregate';
import { randomBytes } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { TRACING_OFF } from '../../adapters/observability/tracing';
import type { Activities } from '../../activities';
import type {
  AggregateResult,
  BackfillPlan,
  FetchSourceInput,
  FetchSummary,
  FinishImportInput,
  HourStats,
  HoursRefresh,
  PartInput,
  PartsPlan,
  PartTask,
} from '../../activities/types';
import type { PartActivities } from '../../workflows/parts';
import type { BackfillSelection } from '../../core/backfillPlan';
import type { SourceFailurePolicy } from '../../core/policies';
import { connectClient } from '../../client';
import { claimNamespace } from './namespaces';

/** The activities a worker gives the workflows: the import's, and those landing a source's hour in parts. */
type AllActivities = Activities & PartActivities;

export interface StubCall {
  activity: keyof AllActivities;
  input: unknown;
}

export interface StubScript {
  sources?: string[];
  sourceFailurePolicy?: SourceFailurePolicy;
  /** What each source answers; default `fetched(input.source, 10)`. Throw to fail the source. */
  fetchSource?: (input: FetchSourceInput) => Promise<FetchSummary> | FetchSummary;
  /** Warnings to return; throw to fail the check. */
  checkQuality?: (input: { hour: string }) => string[];
  backupHour?: (input: { hour: string; corrected?: string[] }) => void;
  /** Throw to fail the corrected hours' backup. */
  backupHours?: (input: { hours: string[] }) => void;
  /** Which corrected hours are refreshed by their deltas; default none (every one pending). */
  refreshHours?: (input: { hours: string[] }) => HoursRefresh;
  /** Throw to fail the early copy of the hour's objects. */
  backupObjects?: (input: { hour: string }) => void;
  planBackfill?: (input: { from: string; to: string; only: BackfillSelection }) => BackfillPlan;
  /** The sources landed in parts, and how many parts at once (startImport's `parts`); default none. */
  parts?: { sources: string[]; concurrency: number };
  /** A parted source's hour; default no parts. */
  listParts?: (input: { hour: string; source: string }) => PartsPlan | Promise<PartsPlan>;
  /** A chained part's successors; default none. */
  fetchPart?: (input: PartInput) => { next: PartTask[] } | Promise<{ next: PartTask[] }>;
  /** One part's landing; default `fetched(source, 10)`. Throw to fail the part. */
  landPart?: (input: PartInput) => FetchSummary | Promise<FetchSummary>;
}

export const REGIONS_HASH = 'stub-regions-hash';
/** What every stubbed hour aggregates to. */
export const STUB_AGGREGATE: AggregateResult = {
  aggregates: [{ region: 'Bretagne', temperature: 11.5, numberOfPoints: 3 }],
  stats: {
    counted: 4,
    outside: 1,
    countryMismatches: { franceOutside: 0, foreignInside: 0 },
    pointsPerRegion: { Bretagne: 3 },
    outsideInsideIfSwapped: 0,
  } satisfies HourStats,
};

/** STUB_AGGREGATE as the one bucket's partial result the stub `aggregateBucket` returns. */
function stubBucket(): BucketResult {
  const partials: RegionPartials = {};
  for (let i = 0; i < 3; i += 1) addToPartials(partials, 'Bretagne', 11.5);
  return { partials, stats: structuredClone(STUB_AGGREGATE.stats) };
}

/** A source's summary after landing `count` valid records, none rejected. */
export function fetched(source: string, count: number, extra: Partial<FetchSummary> = {}): FetchSummary {
  return {
    source,
    reusedLanded: false,
    replacedBatches: 0,
    batches: 1,
    fetched: count,
    valid: count,
    rejected: 0,
    rejectedByReason: {},
    duplicates: 0,
    corrections: 0,
    correctedHours: [],
    ...extra,
  };
}

/** A source's summary when the hour was too old to fetch and nothing was landed. */
export function notFetched(source: string, why: string): FetchSummary {
  return { ...fetched(source, 0, { batches: 0 }), notFetched: why };
}

/** A failure the workflow cannot retry, of the pipeline error class `type`. */
export function nonRetryable(message: string, type = 'SourceError'): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}

type Answer<K extends keyof AllActivities> = (
  input: Parameters<AllActivities[K]>[0],
) => Awaited<ReturnType<AllActivities[K]>> | ReturnType<AllActivities[K]>;

export function stubActivities(script: StubScript = {}): { activities: AllActivities; calls: StubCall[] } {
  const calls: StubCall[] = [];
  const stub = <K extends keyof AllActivities>(activity: K, answer: Answer<K>) =>
    (async (input: Parameters<AllActivities[K]>[0]) => {
      calls.push({ activity, input });
      return await answer(input);
    }) as AllActivities[K];
  const activities: AllActivities = {
    startImport: stub('startImport', () => ({
      sources: script.sources ?? ['partner-api'],
      regionsHash: REGIONS_HASH,
      sourceFailurePolicy: script.sourceFailurePolicy ?? 'fail',
      ...(script.parts ? { parts: script.parts } : {}),
    })),
    listParts: stub('listParts', (input) =>
      script.listParts ? script.listParts(input) : { source: input.source, parts: [], ignored: [] },
    ),
    fetchPart: stub('fetchPart', (input) => (script.fetchPart ? script.fetchPart(input) : { next: [] })),
    landPart: stub('landPart', (input) =>
      script.landPart ? script.landPart(input) : fetched(input.source, 10),
    ),
    fetchSource: stub('fetchSource', (input) =>
      script.fetchSource ? script.fetchSource(input) : fetched(input.source, 10),
    ),
    planHour: stub('planHour', () => ({ bucketCount: 1, stale: [0], fresh: [] })),
    aggregateBucket: stub('aggregateBucket', (input) => ({
      bucket: input.bucket,
      result: stubBucket(),
      reused: false,
      files: 1,
    })),
    checkQuality: stub('checkQuality', (input) => (script.checkQuality ? script.checkQuality(input) : [])),
    refreshHours: stub('refreshHours', (input) =>
      script.refreshHours ? script.refreshHours(input) : { refreshed: [], pending: input.hours },
    ),
    persistHour: stub('persistHour', (input) => ({ upserted: input.aggregates.length, deleted: 0 })),
    backupHour: stub('backupHour', (input) => {
      script.backupHour?.(input);
      return { folder: `/backups/${input.hour}`, files: [] };
    }),
    backupHours: stub('backupHours', (input) => {
      script.backupHours?.(input);
      return { hours: input.hours.length };
    }),
    backupObjects: stub('backupObjects', (input) => {
      script.backupObjects?.(input);
      return { objects: 1 };
    }),
    finishImport: stub('finishImport', () => undefined),
    planBackfill: stub('planBackfill', (input) => {
      if (!script.planBackfill) throw nonRetryable('no backfill plan scripted', 'Error');
      return script.planBackfill(input);
    }),
  };
  return { activities, calls };
}

/** The inputs of every call to one activity, in call order. */
export function inputsOf<T = unknown>(calls: StubCall[], activity: keyof AllActivities): T[] {
  return calls.filter((c) => c.activity === activity).map((c) => c.input as T);
}

export function finishes(calls: StubCall[]): FinishImportInput[] {
  return inputsOf<FinishImportInput>(calls, 'finishImport');
}

/**
 * Resolves when the activity's workflow is cancelled or the worker shuts down (both cancel a running
 * activity locally), or after `ms` milliseconds: a stub that holds a step open for a test.
 */
export async function heldOpen(ms = 30_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Context.current().cancelled.catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  // A timer left behind would keep jest's worker process alive after the tests.
  clearTimeout(timer);
}

export interface StubWorld {
  client: Client;
  taskQueue: string;
  /**
   * Runs `work` while a worker with these stub activities polls a fresh task queue, or `taskQueue`
   * (a second worker taking over the first one's workflows).
   */
  withWorker<T>(
    activities: Activities | AllActivities,
    work: () => Promise<T>,
    taskQueue?: string,
  ): Promise<T>;
  close(): Promise<void>;
}

/** The shared dev server (test/support/globalSetup.ts), a namespace of this file's own, a client. */
export async function openStubWorld(): Promise<StubWorld> {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  const bundlePath = process.env.TEST_WORKFLOW_BUNDLE;
  if (!address || !bundlePath)
    throw new Error('run workflow tests through jest: its global setup starts Temporal');
  // The branches under test fail workflows on purpose: the SDK's warnings about them are noise here.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const claim = claimNamespace();
  const temporal = { address, namespace: claim.namespace, taskQueue: 'unused' };
  const client = await connectClient({ temporal });
  const connection = await NativeConnection.connect({ address });
  const world: StubWorld = {
    client,
    taskQueue: '',
    async withWorker(activities, work, taskQueue) {
      world.taskQueue = taskQueue ?? `stub-${randomBytes(4).toString('hex')}`;
      const worker = await Worker.create({
        connection,
        namespace: claim.namespace,
        taskQueue: world.taskQueue,
        workflowBundle: { codePath: bundlePath },
        activities,
        // The bundle has OpenTelemetry's workflow interceptors (worker/bundle.ts): their sink, tracing off.
        sinks: { exporter: makeWorkflowExporter(TRACING_OFF.spanProcessor, TRACING_OFF.resource) },
      });
      return worker.runUntil(work);
    },
    async close() {
      await client.connection.close();
      await connection.close();
      claim.release();
    },
  };
  return world;
}
