/**
 * fetchSource: lands what a source has now for the import hour. What to do is decided in core
 * (`decideFetch`); this activity calls the source and hands each batch to the landing
 * (adapters/landing/), which stores the answer before parsing it (a retry after the download
 * reuses it: one hour, one call to the partner), lands it as Parquet and commits it in PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { decideFetch } from '../core/fetchDecision';
import { formatHour } from '../core/importHour';
import { SourceError, UnknownSourceError } from '../core/errors';
import { log } from '@temporalio/activity';
import { liveBatches, type LandingResult } from '../adapters/db/landing';
import { createLanding, type LandingBatch, type LandingCall } from '../adapters/landing';
import { PartFiles } from '../adapters/analytics/bodyParts';
import type { FetchSourceInput, FetchSummary } from './types';
import type { ActivityDeps } from './deps';
import { cancellationSignal, withHeartbeat, type Beat } from './heartbeat';
import { retryOwnSide } from './storeRetry';
import { receivedNote, strandedAnswer } from './strandedAnswer';
import type { Source } from '../adapters/sources/types';

export function createFetchActivities(deps: ActivityDeps) {
  const sourceByName = new Map(deps.sources.map((source) => [source.name, source]));
  // One set of part files per fetch running at once, reused hour after hour (bodyParts.ts says why).
  const partFiles = new PartFiles(path.join(deps.scratchDir, 'parts'), deps.analytics.threads);
  const landing = createLanding(deps);

  async function fetchSource(input: FetchSourceInput): Promise<FetchSummary> {
    const source = sourceByName.get(input.source);
    if (!source) throw new UnknownSourceError(input.source, [...sourceByName.keys()]);
    const hour = new Date(input.hour);
    const summary = emptySummary(input.source);
    const decision = await decideFor(deps, input);
    if (decision.kind === 'done') return decision.summary;
    const workDir = path.join(deps.scratchDir, `fetch-${randomUUID()}`);
    await fs.mkdir(workDir, { recursive: true });
    const parts = partFiles.acquire();
    try {
      return await withHeartbeat(`fetch ${input.source} ${input.hour}`, async (beat) => {
        // The version index's runs written elsewhere download beside the answer.
        landing.warm(input.source, hour, (error) => {
          log.warn(`${input.source}: readying the version lookup failed; the landing retries it`, {
            source: input.source,
            error: error instanceof Error ? error.message : String(error),
          });
        });
        // An earlier attempt kept the answer but died before landing it: land that answer,
        // without calling the source again (it would answer other, present readings).
        const inHand = await landing.answerInHand(input.source, decision.pullKey);
        beat.stage(
          inHand?.how === 'stored'
            ? 'reusing the stored answer'
            : inHand?.how === 'parked'
              ? 'reusing the downloaded answer'
              : 'download',
        );
        const batches: LandingBatch[] = inHand
          ? [inHand.batch]
          : await fetchOnce(source, decision.pullKey, hour, workDir, parts.files, beat);
        for (const warning of batches.flatMap((batch) => batch.warnings ?? []))
          log.warn(`${input.source}: ${warning}`, { source: input.source });
        const call = landingCall(deps, beat);
        for (const batch of batches) {
          const result = await landing.land(
            batch,
            {
              source: input.source,
              hour,
              runId: input.runId,
              batchKey: batch.key ?? decision.pullKey,
              supersedePrefix: batch.key === null ? decision.supersedePrefix : undefined,
              workDir,
              partFiles: parts.files,
            },
            call,
          );
          await source.acknowledge(batch);
          // A batch another run landed (a file dropped again unchanged) adds nothing to this run.
          if (result.landedByRun === input.runId) addLanding(summary, result);
        }
        return { ...summary, stageSeconds: beat.timings() };
      });
    } finally {
      parts.release();
      await fs.rm(workDir, { recursive: true, force: true });
    }
  }

  /**
   * Calls the source, unless an earlier attempt on another host already received this pull's
   * answer (strandedAnswer.ts), then parks the answer and notes it in the heartbeat.
   */
  async function fetchOnce(
    source: Source,
    pullKey: string,
    hour: Date,
    workDir: string,
    files: readonly string[],
    beat: Beat,
  ) {
    const stranded = strandedAnswer(source.name, pullKey, hour, deps.parkedAnswers);
    if (stranded) throw stranded;
    // Copied into the landing store as it arrives (adapters/landing/incoming.ts), for a retry elsewhere.
    const copy = landing.openIncoming(source.name, hour, pullKey);
    let received;
    try {
      received = await source.fetch(workDir, {
        partFiles: files,
        signal: cancellationSignal(),
        onBytes: copy.push,
      });
    } catch (error) {
      await copy.abort();
      throw error;
    }
    const parked = await landing.park(source.name, pullKey, received, {
      copy,
      call: landingCall(deps, beat),
    });
    const note = receivedNote(source.name, pullKey, parked, deps.parkedAnswers);
    if (note) beat.note(note);
    return parked;
  }

  return { fetchSource };
}

/**
 * What fetching a source does for the hour (`decideFetch`, from the batches other runs landed):
 * `done` with the source's summary when it is not called (landed by another run, too old), or
 * fetch under `pullKey`. Throws a non-retryable SourceError when the hour must not be fetched.
 */
export async function decideFor(
  deps: ActivityDeps,
  input: FetchSourceInput,
): Promise<
  { kind: 'done'; summary: FetchSummary } | { kind: 'fetch'; pullKey: string; supersedePrefix?: string }
> {
  const hour = new Date(input.hour);
  const summary = emptySummary(input.source);
  const landed = (await liveBatches(deps.db, hour, input.source)).filter(
    (b) => b.summary.landedByRun !== input.runId,
  );
  const decision = decideFetch({
    hour,
    now: deps.now(),
    runId: input.runId,
    refetch: input.refetch,
    landedByOtherRuns: landed.length,
    fetchMaxLagHours: deps.fetchMaxLagHours,
  });
  switch (decision.kind) {
    case 'refuse':
      throw new SourceError(input.source, decision.reason, { retryable: false });
    case 'reuse':
      for (const batch of landed) addLanding(summary, batch.summary);
      return { kind: 'done', summary: { ...summary, reusedLanded: true } };
    case 'not-fetched':
      return { kind: 'done', summary: { ...summary, notFetched: decision.reason } };
    case 'fetch':
      return decision;
  }
}

/** What an activity lends the landing: its heartbeat's stages, its retry of our own side, its log. */
export function landingCall(deps: ActivityDeps, beat: Beat): LandingCall {
  return {
    stage: (name) => beat.stage(name),
    retryOwnSide: <T>(what: string, work: () => Promise<T>) =>
      retryOwnSide(what, deps.storeRetryBudgetMs ?? 0, beat, work),
    warn: (message, fields) => {
      log.warn(message, fields);
    },
  };
}

export function emptySummary(source: string): FetchSummary {
  return {
    source,
    reusedLanded: false,
    replacedBatches: 0,
    batches: 0,
    fetched: 0,
    valid: 0,
    rejected: 0,
    rejectedByReason: {},
    duplicates: 0,
    corrections: 0,
    correctedHours: [],
  };
}

export function addLanding(
  summary: FetchSummary,
  landing: Omit<LandingResult, 'batchId' | 'alreadyLanded' | 'landedByRun'>,
): FetchSummary {
  summary.batches += 1;
  summary.replacedBatches += landing.replacedBatches;
  summary.fetched += landing.fetched;
  summary.valid += landing.valid;
  summary.rejected += landing.rejected;
  summary.duplicates += landing.duplicates;
  summary.corrections += landing.corrections;
  for (const [code, count] of Object.entries(landing.rejectedByReason)) {
    summary.rejectedByReason[code] = (summary.rejectedByReason[code] ?? 0) + count;
  }
  const hours = new Set([...summary.correctedHours, ...landing.correctedHours.map(formatHour)]);
  summary.correctedHours = [...hours].sort();
  return summary;
}
