/** The source's answer as the landing keeps it: stored before parsing, backed up at once. */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { rawBodyKey } from '../../core/landingKeys';
import { deepestMessage, SourceError } from '../../core/errors';
import { formatHour } from '../../core/importHour';
import { recordRawBody, type RawBody } from '../db/landing';
import { storeId } from '../db/storeIdentity';
import { sha256OfStream } from '../objectStore/keys';
import type { LandedObject } from '../backup/store';
import type { LandingBatch, LandingCall, LandingDeps, LandingTarget } from './index';

/**
 * Puts the batch's body in the landing store and records it, before anything parses it. Resolves
 * with the record and, when the answer recorded is the one just put, the local file holding it:
 * the landing parses that file, never downloading what it has just uploaded.
 */
export async function storeRaw(
  deps: LandingDeps,
  batch: LandingBatch,
  at: LandingTarget & { segment: string },
  call: LandingCall,
): Promise<{ raw: RawBody; localBody?: string }> {
  let bodyFile = batch.bodyFile;
  if (bodyFile === undefined) {
    // A file drop's records, already parsed from a small file: one JSON array, like an answer.
    bodyFile = path.join(at.workDir, `records-${randomUUID()}.json`);
    await fs.writeFile(
      bodyFile,
      `[${(batch.records ?? []).map((r) => JSON.stringify(r === undefined ? null : r)).join(',\n')}]`,
    );
  }
  const sha =
    (batch.bodyFile === bodyFile ? batch.bodySha256 : undefined) ??
    (await sha256OfStream(createReadStream(bodyFile))).sha256;
  // Copied as it downloaded (incoming.ts): recorded as it is, not uploaded a second time.
  const incoming = batch.incoming?.sha256 === sha ? batch.incoming : undefined;
  const objectKey = incoming?.key ?? rawBodyKey(at.source, at.hour, at.segment, sha);
  // The file is ours (written under the work folder) and never changed again: handed over.
  // Its backup copy reads it at once: kept in the page cache for that copy, which then drops it.
  // A store or disk outage is waited out here, within the budget: the answer is parked, never fetched again.
  const file = bodyFile;
  const stored =
    incoming ??
    (await call.retryOwnSide('storing the answer', () =>
      deps.landingStore.putFile(objectKey, file, { sha256: sha, move: true, readSoon: true }),
    ));
  const recorded = await recordRawBody(deps.db, {
    source: at.source,
    batchKey: at.batchKey,
    objectKey,
    fetchedAt: batch.fetchedAt,
    bytes: stored.bytes,
    sha256: stored.sha256,
  });
  // Another attempt recorded its own answer first (rawAnswerRace): that one is landed, from the store.
  const ours = recorded.objectKey === objectKey && recorded.sha256 === stored.sha256;
  // The store and the database have it: the parked copy is no longer needed where it is; this
  // landing parses it from its work folder.
  const kept =
    batch.key === null
      ? await deps.parkedAnswers?.release(
          at.source,
          at.batchKey,
          ours ? path.join(at.workDir, `answer-${at.segment}.json`) : undefined,
        )
      : undefined;
  // Otherwise only a file of the work folder is ours to parse (a dropped file may change after).
  const inWorkDir = !path.relative(at.workDir, file).startsWith('..');
  return { raw: recorded, localBody: ours ? (kept ?? (inWorkDir ? file : undefined)) : undefined };
}

/**
 * Copies objects just landed (`what`: the answer, or a batch's Parquet files and version run) to the
 * backup store while this worker holds them, so the hour's backup (`backupObjects`, maybe on another
 * worker) finds them in place and downloads nothing; a failure is the hour's backup's to report, so
 * only logged.
 */
export async function backUpEarly(
  deps: LandingDeps,
  objects: readonly LandedObject[],
  what: string,
  call: LandingCall,
  /** Copies at once (transferEach's default otherwise: LANDED_FILES_AT_ONCE for a batch's files). */
  atOnce?: number,
): Promise<void> {
  if (objects.length === 0) return;
  try {
    await deps.backupStore.copyObjects(await storeId(deps.db), objects, deps.landingStore, atOnce);
  } catch (error) {
    call.warn(`${what} could not be copied to the backup yet; the hour’s backup will try again`, {
      error: deepestMessage(error),
    });
  }
}

/** A deterministic refusal of the body, naming where the answer is kept. */
export function keptAnswer(error: SourceError, objectKey: string, hour: Date): SourceError {
  const message = error.message.startsWith(`${error.source}: `)
    ? error.message.slice(error.source.length + 2)
    : error.message;
  return new SourceError(
    error.source,
    `${message}; the answer is kept in the landing store as ${objectKey} (tempctl answer --hour ${formatHour(hour)})`,
    { retryable: false, status: error.status },
  );
}
