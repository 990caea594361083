/**
 * fetchSource: lands what a source has now for the import hour. What to do is decided in core
 * (`decideFetch`); this adapter calls the source, stores its answer in the landing store before
 * parsing it (a retry after the download reuses it: one hour, one call to the partner), lands it
 * as Parquet (adapters/analytics/landing.ts) and commits the batch in PostgreSQL.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { decideFetch } from '../core/fetchDecision';
import { addHours, formatHour } from '../core/importHour';
import { batchSegment, rawBodyKey } from '../core/landingKeys';
import { deepestMessage, SourceError, UnknownSourceError } from '../core/errors';
import { log } from '@temporalio/activity';
import { storeId } from '../adapters/db/storeIdentity';
import {
  bucketCountsFor,
  commitBatch,
  findBatch,
  findRawBody,
  forgetRawBody,
  liveBatches,
  lookupFiles,
  recordRawBody,
  type LandingResult,
  type RawBody,
} from '../adapters/db/landing';
import { landBody } from '../adapters/analytics/landing';
import { PartFiles } from '../adapters/analytics/bodyParts';
import { storeLandedFiles } from '../adapters/analytics/landedFiles';
import { sha256OfStream } from '../adapters/objectStore/keys';
import type { Source, SourceBatch } from '../adapters/sources/types';
import type { FetchSourceInput, FetchSummary } from './types';
import type { ActivityDeps } from './deps';
import { cancellationSignal, withHeartbeat, type Beat } from './heartbeat';
import { retryOwnSide } from './storeRetry';

export function createFetchActivities(deps: ActivityDeps) {
  const { db } = deps;
  const sourceByName = new Map(deps.sources.map((source) => [source.name, source]));
  // One set of part files per fetch running at once, reused hour after hour (bodyParts.ts says why).
  const partFiles = new PartFiles(path.join(deps.scratchDir, 'parts'), deps.analytics.threads);

  async function fetchSource(input: FetchSourceInput): Promise<FetchSummary> {
    const source = sourceByName.get(input.source);
    if (!source) throw new UnknownSourceError(input.source, [...sourceByName.keys()]);
    const hour = new Date(input.hour);
    const summary = emptySummary(input.source);
    const landed = (await liveBatches(db, hour, input.source)).filter(
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
        return { ...summary, reusedLanded: true };
      case 'not-fetched':
        return { ...summary, notFetched: decision.reason };
      case 'fetch':
        break;
    }
    const workDir = path.join(deps.scratchDir, `fetch-${randomUUID()}`);
    await fs.mkdir(workDir, { recursive: true });
    const parts = partFiles.acquire();
    try {
      return await withHeartbeat(`fetch ${input.source} ${input.hour}`, async (beat) => {
        // An earlier attempt stored the answer but died before landing it: land that answer,
        // without calling the source again (it would answer other, present readings).
        const stored = await findRawBody(db, input.source, decision.pullKey);
        // Or it downloaded the answer and failed before the store and the database had it.
        const parked = stored ? undefined : await deps.parkedAnswers?.find(input.source, decision.pullKey);
        beat.stage(
          stored ? 'reusing the stored answer' : parked ? 'reusing the downloaded answer' : 'download',
        );
        const batches: (SourceBatch & { stored?: RawBody })[] = stored
          ? [{ source: input.source, key: null, fetchedAt: stored.fetchedAt, stored }]
          : parked
            ? [{ source: input.source, key: null, ...parked }]
            : await parkPulled(
                input.source,
                decision.pullKey,
                await source.fetch(workDir, { partFiles: parts.files, signal: cancellationSignal() }),
              );
        for (const warning of batches.flatMap((batch) => batch.warnings ?? []))
          log.warn(`${input.source}: ${warning}`, { source: input.source });
        for (const batch of batches) {
          const batchKey = batch.key ?? decision.pullKey;
          const landing = await landOne(source, batch, {
            hour,
            runId: input.runId,
            batchKey,
            supersedePrefix: batch.key === null ? decision.supersedePrefix : undefined,
            workDir,
            partFiles: parts.files,
            beat,
          });
          await source.acknowledge(batch);
          // A batch another run landed (a file dropped again unchanged) adds nothing to this run.
          if (landing.landedByRun === input.runId) addLanding(summary, landing);
        }
        return { ...summary, stageSeconds: beat.timings() };
      });
    } finally {
      parts.release();
      await fs.rm(workDir, { recursive: true, force: true });
    }
  }

  async function landOne(
    source: Source,
    batch: SourceBatch & { stored?: RawBody },
    at: {
      hour: Date;
      runId: string;
      batchKey: string;
      supersedePrefix?: string;
      workDir: string;
      partFiles: readonly string[];
      beat: Beat;
    },
  ): Promise<LandingResult> {
    const existing = await findBatch(db, source.name, at.batchKey);
    if (existing) return { ...existing.summary, alreadyLanded: true };
    const segment = batchSegment(at.batchKey, sha256Text(at.batchKey));
    at.beat.stage('store the answer');
    const raw =
      batch.stored ??
      (await storeRaw(source.name, batch, at.hour, at.batchKey, segment, at.workDir, at.beat));
    // The answer is the only copy of what the source sent: its backup copy starts now, beside the
    // parsing, instead of after the hour is computed (at 10,000,000 readings, 1.5 GB to copy). The
    // workflow's backup steps find it in place; a failure here is theirs to report, so it is
    // only logged.
    const rawBackup = backUpRawAnswer(raw);
    try {
      at.beat.stage('look up earlier versions');
      const bodyPath = await deps.landingStore.getFile(raw.objectKey, at.workDir);
      const horizonStart = addHours(at.hour, -(deps.correctionHorizonHours + 1));
      const knownKeys = await lookupFiles(
        db,
        source.name,
        horizonStart,
        at.supersedePrefix === undefined ? undefined : { importHour: at.hour, keyPrefix: at.supersedePrefix },
      );
      const knownDir = path.join(at.workDir, 'known');
      await fs.mkdir(knownDir, { recursive: true });
      const knownFiles: string[] = [];
      for (const key of knownKeys) knownFiles.push(await deps.landingStore.getFile(key, knownDir));
      // One folder per batch: the landing lists what it wrote there (a file drop lands several batches).
      const partsDir = path.join(at.workDir, `parts-${segment}`);
      await fs.mkdir(partsDir, { recursive: true });
      let body;
      try {
        body = await deps.analytics.withConnection((conn) =>
          landBody(conn, {
            bodyPath,
            // Cut during the download, when the stored answer is that download (a retry reuses the
            // answer an earlier attempt stored, which the landing cuts itself).
            parts: raw.sha256 === batch.bodySha256 ? batch.bodyParts : undefined,
            source: source.name,
            batchKey: at.batchKey,
            importHour: at.hour,
            fetchedAt: raw.fetchedAt,
            limits: deps.limits,
            horizonHours: deps.correctionHorizonHours,
            partFiles: at.partFiles,
            knownFiles,
            bucketCounts: (hours) => bucketCountsFor(db, source.name, hours, deps.buckets),
            workDir: partsDir,
            progress: (stage) => at.beat.stage(`DuckDB ${stage}`),
          }),
        );
      } catch (error) {
        // A body that is no JSON array (cut short in transit): forgotten, so the next attempt asks again.
        if (error instanceof SourceError && error.retryable)
          await forgetRawBody(db, source.name, at.batchKey);
        // Deterministic (NDJSON, text after the array…): asking again returns the same, so it fails
        // once; the answer stays stored under its batch key, for the operator and a rerun.
        if (error instanceof SourceError && !error.retryable) throw keptAnswer(error, raw.objectKey, at.hour);
        throw error;
      }
      at.beat.stage('store Parquet files');
      const files = await storeLandedFiles(
        deps.landingStore,
        body.files,
        { source: source.name, importHour: at.hour, segment },
        { move: true },
      );
      at.beat.stage('back up the answer');
      await rawBackup;
      at.beat.stage('commit');
      return await commitBatch(db, {
        importHour: at.hour,
        source: source.name,
        batchKey: at.batchKey,
        runId: at.runId,
        fetchedAt: raw.fetchedAt,
        rawKey: raw.objectKey,
        counts: {
          fetched: body.fetched,
          valid: body.valid,
          rejected: body.rejected,
          rejectedByReason: body.rejectedByReason,
          duplicates: body.duplicates,
          corrections: body.corrections,
        },
        correctedHours: body.correctedHours,
        files,
        rejections: body.rejections,
        supersedePrefix: at.supersedePrefix,
      });
    } finally {
      // Never left running behind a failed landing.
      await rawBackup;
    }
  }

  /** A pull answer, once its last byte arrived, is kept where a retry finds it (parkedAnswers.ts). */
  async function parkPulled(
    sourceName: string,
    pullKey: string,
    batches: SourceBatch[],
  ): Promise<SourceBatch[]> {
    const parking = deps.parkedAnswers;
    if (parking === undefined) return batches;
    return Promise.all(
      batches.map(async (batch) =>
        batch.key === null && batch.bodyFile !== undefined
          ? {
              ...batch,
              ...(await parking.park(sourceName, pullKey, {
                bodyFile: batch.bodyFile,
                bodySha256: batch.bodySha256,
                fetchedAt: batch.fetchedAt,
              })),
            }
          : batch,
      ),
    );
  }

  async function backUpRawAnswer(raw: RawBody): Promise<void> {
    try {
      await deps.backupStore.copyObjects(
        await storeId(db),
        [{ key: raw.objectKey, sha256: raw.sha256 }],
        deps.landingStore,
      );
    } catch (error) {
      log.warn('the answer could not be copied to the backup yet; the hour’s backup will try again', {
        error: deepestMessage(error),
      });
    }
  }

  /** Puts the batch's body in the landing store and records it, before anything parses it. */
  async function storeRaw(
    sourceName: string,
    batch: SourceBatch,
    hour: Date,
    batchKey: string,
    segment: string,
    workDir: string,
    beat: Beat,
  ): Promise<RawBody> {
    let bodyFile = batch.bodyFile;
    if (bodyFile === undefined) {
      // A file drop's records, already parsed from a small file: one JSON array, like an answer.
      bodyFile = path.join(workDir, `records-${randomUUID()}.json`);
      await fs.writeFile(
        bodyFile,
        `[${(batch.records ?? []).map((r) => JSON.stringify(r === undefined ? null : r)).join(',\n')}]`,
      );
    }
    const sha =
      (batch.bodyFile === bodyFile ? batch.bodySha256 : undefined) ??
      (await sha256OfStream(createReadStream(bodyFile))).sha256;
    const objectKey = rawBodyKey(sourceName, hour, segment, sha);
    // The file is ours (written under the work folder) and never changed again: handed over.
    // Its backup copy reads it at once: kept in the page cache for that copy, which then drops it.
    // A store or disk outage is waited out here, within the budget: the answer is parked, never fetched again.
    const stored = await retryOwnSide('storing the answer', deps.storeRetryBudgetMs ?? 0, beat, () =>
      deps.landingStore.putFile(objectKey, bodyFile, { sha256: sha, move: true, readSoon: true }),
    );
    const recorded = await recordRawBody(db, {
      source: sourceName,
      batchKey,
      objectKey,
      fetchedAt: batch.fetchedAt,
      bytes: stored.bytes,
      sha256: stored.sha256,
    });
    // The store and the database have it: the parked copy is no longer needed.
    if (batch.key === null) await deps.parkedAnswers?.release(sourceName, batchKey);
    return recorded;
  }

  return { fetchSource };
}

function keptAnswer(error: SourceError, objectKey: string, hour: Date): SourceError {
  const message = error.message.startsWith(`${error.source}: `)
    ? error.message.slice(error.source.length + 2)
    : error.message;
  return new SourceError(
    error.source,
    `${message}; the answer is kept in the landing store as ${objectKey} (tempctl answer --hour ${formatHour(hour)})`,
    { retryable: false, status: error.status },
  );
}

function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function emptySummary(source: string): FetchSummary {
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

function addLanding(
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
