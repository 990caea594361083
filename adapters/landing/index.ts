/**
 * The landing: how a batch the source sent becomes durable state (its answer in the landing store,
 * its Parquet files, its row in PostgreSQL), as dagster's IO manager owns how an asset is stored.
 * The fetch activity (activities/fetch.ts) decides when to fetch and calls this module; the rules
 * of landing live here: an answer already in hand is landed instead of asking again, the answer is
 * stored before it is parsed, its backup starts at once, parts cut during the download are used
 * only when the stored answer is that download, a broken body is forgotten so the next attempt asks
 * again, and earlier versions come from one seam (`LookUpEarlierVersions`, versions.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import fs from 'node:fs/promises';
import type { Knex } from 'knex';
import { batchSegment, incomingBodyKey } from '../../core/landingKeys';
import { deepestMessage, SourceError } from '../../core/errors';
import type { ValidationLimits } from '../../core/reading';
import type { BucketSettings } from '../../core/bucket';
import {
  bucketCountsFor,
  commitBatch,
  findBatch,
  findRawBody,
  forgetRawBody,
  recordRawBody,
  type LandingResult,
  type RawBody,
} from '../db/landing';
import { landBody, type CountedValues, type LandBodyInput, type VersionChange } from '../analytics/landing';
import { sourceBatchCount, type DeltaInput } from '../db/bucketDeltas';
import { bucketChange, noChange, resultOfReadings } from '../../core/bucketDelta';
import type { RegionIndex } from '../../core/geo';
import type { CorrectionStrategy } from '../../core/policies';
import { labelClass } from '../../core/hourStats';
import { storeLandedFiles } from '../analytics/landedFiles';
import type { Analytics } from '../analytics/duckdb';
import type { BackupStore } from '../backup/store';
import type { ObjectStore, StoredObject } from '../objectStore/types';
import type { ParkedAnswers } from '../files/parkedAnswers';
import type { SourceBatch } from '../sources/types';
import { backUpEarly, keptAnswer, storeRaw } from './rawAnswer';
import { IncomingCopy } from './incoming';
import { lookUpEarlierVersionsInFiles, versionIndexLookup, type LookUpEarlierVersions } from './versions';
import { versionCacheOf } from '../versions/landingLookup';
import { versionRowsSql, writeRun } from '../versions/duckdbRuns';
import { linkOrCopy } from '../files/linkOrCopy';
import { LANDED_FILES_AT_ONCE } from '../objectStore/transferEach';
import {
  getRecordedFile,
  landedReaderOf,
  type RecordedObject,
  type RepairOutcome,
} from '../backup/landedObjects';

export type { KnownVersions, LookUpEarlierVersions, VersionLookupRequest } from './versions';

export interface LandingDeps {
  db: Knex;
  landingStore: ObjectStore;
  backupStore: BackupStore;
  analytics: Analytics;
  limits: ValidationLimits;
  /** CORRECTION_HORIZON_HOURS. */
  correctionHorizonHours: number;
  /** HOUR_BUCKETS, HOUR_BUCKET_READINGS. */
  buckets: BucketSettings;
  parkedAnswers?: ParkedAnswers;
  /**
   * Where earlier versions come from; default: the live Parquet files within the horizon, or with
   * `versionIndex` and a scratch folder the version index cached there (adapters/versions/).
   */
  lookUpEarlierVersions?: LookUpEarlierVersions;
  /** The worker's local folder (the version index's cache lives in it). */
  scratchDir?: string;
  /** VERSION_INDEX: look up earlier versions in the version index (cached under `scratchDir`). */
  versionIndex?: boolean;
  /** Told of each landed object found missing or damaged when read (the metrics). */
  onLandedRepair?: (outcome: RepairOutcome, object: RecordedObject) => void;
  /**
   * With all three, a batch's corrections of earlier hours are committed as deltas to their buckets
   * (core/bucketDelta.ts), so those buckets are not read again: the region polygons, the
   * CORRECTION_STRATEGY and the polygons' hash (what the bucket results were computed with).
   */
  regionIndex?: RegionIndex;
  correctionStrategy?: CorrectionStrategy;
  regionsHash?: string;
}

/** What the caller lends one landing: its progress, its retry of our own side, its log. */
export interface LandingCall {
  /** Names the stage now running (the heartbeat's progress and the stage timings). */
  stage(name: string): void;
  /** Runs `work`, waiting out a landing store or disk outage within the caller's budget. */
  retryOwnSide<T>(what: string, work: () => Promise<T>): Promise<T>;
  warn(message: string, fields: Record<string, unknown>): void;
  /** Tells what a stage did (the version lookup's figures); optional. */
  info?(message: string, fields: Record<string, unknown>): void;
}

/**
 * A batch to land; `stored` when its answer is already in the landing store and recorded,
 * `incoming` when it was copied there as it downloaded (the store step records it, no second upload).
 */
export type LandingBatch = SourceBatch & { stored?: RawBody; incoming?: StoredObject };

export interface LandingTarget {
  source: string;
  hour: Date;
  runId: string;
  /** The batch's key: its own, or the pull's (`decideFetch`'s `pullKey`). */
  batchKey: string;
  /** A refetch's prefix of the batch keys it supersedes in this hour. */
  supersedePrefix?: string;
  /**
   * The batch is one of this many parts of its hour (activities/parts.ts): an hour landed for the
   * first time gets the buckets of all its parts' readings, not of this part's alone.
   */
  partsInHour?: number;
  /** A private local folder, removed by the caller. */
  workDir: string;
  /** The caller's part files (adapters/analytics/bodyParts.ts `PartFiles`). */
  partFiles: readonly string[];
}

export interface Landing {
  /**
   * The answer an earlier attempt kept for this pull: stored in the landing store, or downloaded
   * and parked on this machine. Landing it, instead of calling the source again (which would answer
   * other, present readings), keeps one hour to one call.
   */
  answerInHand(
    source: string,
    pullKey: string,
  ): Promise<{ how: 'stored' | 'parked'; batch: LandingBatch } | undefined>;
  /**
   * Where a pull's answer is copied as it downloads (give its `push` the bytes; `park` completes
   * it, or `abort` on a failed download).
   */
  openIncoming(source: string, hour: Date, pullKey: string): IncomingCopy;
  /**
   * A pull's answers, once their last byte arrived, kept where a retry finds them: parked on this
   * machine and, when `incoming` holds the whole answer, recorded in `raw_bodies` as stored.
   */
  park(
    source: string,
    pullKey: string,
    batches: SourceBatch[],
    incoming?: { copy: IncomingCopy; call: LandingCall },
  ): Promise<LandingBatch[]>;
  /**
   * Stores the batch's answer and records it, without landing it: a part fetched by one activity
   * and landed by another (activities/parts.ts), which finds it with `answerInHand`.
   */
  store(batch: LandingBatch, target: LandingTarget, call: LandingCall): Promise<RawBody>;
  /** Lands one batch (idempotent by batch key: a batch landed before is returned as it was). */
  land(batch: LandingBatch, target: LandingTarget, call: LandingCall): Promise<LandingResult>;
  /**
   * Starts readying what the landing of `source`'s batches of `hour` will read (with the version
   * index: the runs other workers wrote), while the answer downloads. Not awaited: the landing's own
   * lookup waits for it and fetches what is still missing; `onError` hears a failure, which that
   * lookup meets again and reports.
   */
  warm(source: string, hour: Date, onError: (error: unknown) => void): void;
}

export function createLanding(deps: LandingDeps): Landing {
  const { db } = deps;
  const reader = () => landedReaderOf(deps);
  const index =
    deps.lookUpEarlierVersions === undefined && deps.versionIndex === true && deps.scratchDir !== undefined
      ? versionIndexLookup(db, deps.landingStore, versionCacheOf(deps.scratchDir))
      : undefined;
  const lookUpEarlierVersions =
    deps.lookUpEarlierVersions ?? index?.lookUp ?? lookUpEarlierVersionsInFiles(db, reader);

  async function answerInHand(source: string, pullKey: string) {
    const [stored, parked] = await Promise.all([
      findRawBody(db, source, pullKey),
      deps.parkedAnswers?.find(source, pullKey),
    ]);
    // Copied to the store as it downloaded and parked here: landed from here (the store step
    // records it as it is and releases the parked copy).
    if (stored && parked?.bodySha256 === stored.sha256) {
      const { size } = await fs.stat(parked.bodyFile);
      const incoming = { key: stored.objectKey, bytes: size, sha256: stored.sha256 };
      return { how: 'parked' as const, batch: { source, key: null, ...parked, incoming } };
    }
    if (stored)
      return { how: 'stored' as const, batch: { source, key: null, fetchedAt: stored.fetchedAt, stored } };
    // Or it downloaded the answer and failed before the store and the database had it.
    return parked ? { how: 'parked' as const, batch: { source, key: null, ...parked } } : undefined;
  }

  function openIncoming(source: string, hour: Date, pullKey: string): IncomingCopy {
    return new IncomingCopy(
      deps.landingStore,
      incomingBodyKey(source, hour, segmentOf(pullKey), randomUUID()),
    );
  }

  async function park(
    source: string,
    pullKey: string,
    batches: SourceBatch[],
    incoming?: { copy: IncomingCopy; call: LandingCall },
  ): Promise<LandingBatch[]> {
    const [parked, copied] = await Promise.all([
      parkLocally(source, pullKey, batches),
      incoming?.copy.complete(),
    ]);
    if (incoming === undefined || copied === undefined) return parked;
    const pulled = parked.length === 1 && parked[0]?.key === null ? parked[0] : undefined;
    if ('failure' in copied || pulled?.bodySha256 !== copied.stored.sha256) {
      // The park holds it; the store step uploads it as usual.
      const why = 'failure' in copied ? deepestMessage(copied.failure) : 'other bytes than the answer';
      incoming.call.warn('the answer was not copied to the landing store as it arrived; it is parked here', {
        key: incoming.copy.key,
        error: why,
      });
      return parked;
    }
    const stored = copied.stored;
    try {
      await recordRawBody(db, {
        source,
        batchKey: pullKey,
        objectKey: stored.key,
        fetchedAt: pulled.fetchedAt,
        bytes: stored.bytes,
        sha256: stored.sha256,
      });
    } catch (error) {
      // The store step records it again, within its retries.
      incoming.call.warn('the answer copied to the landing store could not be recorded yet', {
        key: stored.key,
        error: deepestMessage(error),
      });
    }
    return [{ ...pulled, incoming: stored }];
  }

  async function parkLocally(
    source: string,
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
              ...(await parking.park(source, pullKey, {
                bodyFile: batch.bodyFile,
                bodySha256: batch.bodySha256,
                fetchedAt: batch.fetchedAt,
              })),
            }
          : batch,
      ),
    );
  }

  async function store(batch: LandingBatch, at: LandingTarget, call: LandingCall): Promise<RawBody> {
    return (await storeKeepingLocal(batch, at, call)).raw;
  }

  /** The stored answer, and the local file it was stored from when it was stored just now (parsed there). */
  async function storeKeepingLocal(batch: LandingBatch, at: LandingTarget, call: LandingCall) {
    call.stage('store the answer');
    return batch.stored
      ? { raw: batch.stored, localBody: undefined }
      : await storeRaw(deps, batch, { ...at, segment: segmentOf(at.batchKey) }, call);
  }

  async function land(batch: LandingBatch, at: LandingTarget, call: LandingCall): Promise<LandingResult> {
    const existing = await findBatch(db, at.source, at.batchKey);
    if (existing) return { ...existing.summary, alreadyLanded: true };
    const segment = segmentOf(at.batchKey);
    const { raw, localBody } = await storeKeepingLocal(batch, at, call);
    // The answer is the only copy of what the source sent: its backup copy starts now, beside the
    // parsing, instead of after the hour is computed (at 10,000,000 readings, 1.5 GB to copy). The
    // workflow's backup steps find it in place; a failure here is theirs to report, so it is
    // only logged.
    const rawBackup = backUpEarly(deps, [{ key: raw.objectKey, sha256: raw.sha256 }], 'the answer', call);
    try {
      call.stage(LOOKUP_STAGES.sync);
      // Before the lookup: a batch of the source committed after this cannot hide behind the deltas.
      const batchesBefore = await sourceBatchCount(db, at.source);
      // The file just uploaded is parsed where it is; an answer stored by an earlier attempt is read
      // as recorded (repaired from its backup copy if need be).
      const bodyPath =
        localBody ??
        (await getRecordedFile(
          await reader(),
          { key: raw.objectKey, sha256: raw.sha256, hour: at.hour },
          at.workDir,
        ));
      const known = await lookUpEarlierVersions({
        source: at.source,
        importHour: at.hour,
        horizonHours: deps.correctionHorizonHours,
        retiring:
          at.supersedePrefix === undefined
            ? undefined
            : { importHour: at.hour, keyPrefix: at.supersedePrefix },
        workDir: at.workDir,
      });
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
            source: at.source,
            batchKey: at.batchKey,
            importHour: at.hour,
            fetchedAt: raw.fetchedAt,
            limits: deps.limits,
            horizonHours: deps.correctionHorizonHours,
            partFiles: at.partFiles,
            knownFiles: known.files,
            indexedVersions: known.indexed && timedProbe(known.indexed, call),
            // A refetch retires batches: its buckets are recomputed, so no delta is made for it.
            versionChanges: at.supersedePrefix === undefined && deltaRules(deps) !== undefined,
            bucketCounts: (hours) =>
              bucketCountsFor(
                db,
                at.source,
                hours.map(({ hour, readings }) => ({ hour, readings: readings * (at.partsInHour ?? 1) })),
                deps.buckets,
              ),
            workDir: partsDir,
            progress: (stage) => call.stage(duckdbStage(stage)),
          }),
        );
      } catch (error) {
        // A body that is no JSON array (cut short in transit): forgotten, so the next attempt asks again.
        if (error instanceof SourceError && error.retryable) await forgetRawBody(db, at.source, at.batchKey);
        // Deterministic (NDJSON, text after the array…): asking again returns the same, so it fails
        // once; the answer stays stored under its batch key, for the operator and a rerun.
        if (error instanceof SourceError && !error.retryable) throw keptAnswer(error, raw.objectKey, at.hour);
        throw error;
      }
      call.stage('store Parquet files');
      // The index's run is made from the files just written, as `tempctl versions rebuild` makes it
      // again, while they go to the store (read through links: the store moves the files).
      const record = body.files.length === 0 ? undefined : known.record;
      const runSources = record && (await linkedCopies(body.files, path.join(partsDir, 'run-sources')));
      const [files, run] = await Promise.all([
        storeLandedFiles(
          deps.landingStore,
          body.files,
          { source: at.source, importHour: at.hour, segment },
          { move: true },
        ),
        record &&
          runSources &&
          deps.analytics.withConnection((conn) => writeRun(conn, versionRowsSql(runSources), record.runPath)),
      ]);
      if (runSources) await fs.rm(path.join(partsDir, 'run-sources'), { recursive: true, force: true });
      // The index's part of the batch, put before the commit that records it with the files.
      const versionRun =
        record === undefined || run === undefined
          ? undefined
          : await record.store(
              { path: record.runPath, entries: run.entries },
              { source: at.source, importHour: at.hour, segment },
            );
      if (known.stats !== undefined) call.info?.('version lookup', { ...known.stats });
      call.stage('back up the answer');
      await rawBackup;
      call.stage('commit');
      const committed = await commitBatch(db, {
        importHour: at.hour,
        source: at.source,
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
        versionRun,
        deltas: deltasOf(deps, body.versionChanges, batchesBefore),
      });
      if (versionRun !== undefined && !committed.alreadyLanded) await known.record?.committed(versionRun);
      if (!committed.alreadyLanded) {
        call.stage('back up the files');
        await backUpEarly(
          deps,
          [...files, ...(versionRun ? [versionRun] : [])],
          'the batch’s files',
          call,
          LANDED_FILES_AT_ONCE,
        );
      }
      return committed;
    } finally {
      // Never left running behind a failed landing.
      await rawBackup;
    }
  }

  /** Hard links (copies across file systems) of `files` in `dir`, in order, each file once (one of corrections is listed per hour and bucket). */
  async function linkedCopies(files: readonly { path: string }[], dir: string): Promise<string[]> {
    await fs.mkdir(dir, { recursive: true });
    return Promise.all(
      [...new Set(files.map((file) => file.path))].map(async (file, i) => {
        const link = path.join(dir, `${i}.parquet`);
        await linkOrCopy(file, link);
        return link;
      }),
    );
  }

  function warm(source: string, hour: Date, onError: (error: unknown) => void): void {
    index?.warm(source, hour, deps.correctionHorizonHours).catch(onError);
  }

  return { answerInHand, openIncoming, park, store, land, warm };
}

/**
 * The fetch's stages that look up earlier versions: the sync of the version runs (or the download
 * of the files the index does not answer for), and the index's probe inside DuckDB's versions
 * stage. Together, what the landing's lookup costs (bench/steady.bench.ts prints their sum).
 */
export const LOOKUP_STAGES = { sync: 'look up earlier versions', probe: 'probe the version index' };

/** A stage of DuckDB's landing (adapters/analytics/landing.ts `progress`) as a fetch stage. */
function duckdbStage(stage: string): string {
  return `DuckDB ${stage}`;
}

/**
 * The version index's probe, timed as a stage of its own inside DuckDB's versions stage.
 */
function timedProbe(
  probe: NonNullable<LandBodyInput['indexedVersions']>,
  call: LandingCall,
): NonNullable<LandBodyInput['indexedVersions']> {
  return async (conn, idsSql) => {
    call.stage(LOOKUP_STAGES.probe);
    try {
      return await probe(conn, idsSql);
    } finally {
      call.stage(duckdbStage('versions'));
    }
  };
}

/** The batch's changes to earlier hours' buckets as deltas to commit, when the landing computes them. */
export function deltasOf(
  deps: LandingDeps,
  changes: readonly VersionChange[] | undefined,
  lookupBatches: number,
): DeltaInput | undefined {
  const rules = deltaRules(deps);
  if (changes === undefined || rules === undefined) return undefined;
  const { regionIndex, correctionStrategy, regionsHash } = rules;
  return {
    lookupBatches,
    strategy: correctionStrategy,
    regionsHash,
    changes: changes.map((c) => ({
      hour: c.hour,
      bucket: c.bucket,
      bucketCount: c.bucketCount,
      // Under `first` the version that counts is the earliest: a later one changes nothing.
      change:
        correctionStrategy === 'latest'
          ? bucketChange(resultOf(regionIndex, c.before), resultOf(regionIndex, c.after))
          : noChange(),
    })),
  };
}

/** What deltas are computed with, when the landing was given all of it. */
function deltaRules(deps: LandingDeps) {
  const { regionIndex, correctionStrategy, regionsHash } = deps;
  if (regionIndex === undefined || correctionStrategy === undefined || regionsHash === undefined)
    return undefined;
  return { regionIndex, correctionStrategy, regionsHash };
}

function resultOf(index: RegionIndex, values: readonly CountedValues[]) {
  return resultOfReadings(index, {
    lat: Float64Array.from(values, (v) => v.lat),
    lon: Float64Array.from(values, (v) => v.lon),
    temperatures: Float64Array.from(values, (v) => v.temperature),
    labels: Uint8Array.from(values, (v) => labelClass(v.country)),
  });
}

/** The batch key as a key segment of the landing store (core/landingKeys.ts `batchSegment`). */
export function segmentOf(batchKey: string): string {
  return batchSegment(batchKey, createHash('sha256').update(batchKey).digest('hex'));
}
