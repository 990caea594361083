/**
 * Landed objects read as they were recorded: every read of a Parquet file or raw answer from the
 * landing store (the bucket step, the landing's correction-horizon lookups) checks the object's
 * sha256 against the one `landed_files` / `raw_bodies` recorded: a file on its first read, and again
 * whenever its inode, size or mtime has changed since (`fileIdentity`). A missing or damaged object is
 * repaired from its backup copy (`<store id>/objects/<key>` in BACKUP_DIR, adapters/backup/store.ts)
 * when that copy has the recorded sha256; otherwise the read fails with a LandedObjectError naming
 * the key, the hour and the fix. `tempctl backup verify` and `tempctl backup repair` use the same
 * check and repair over every recorded object.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { LandedObjectError, isObjectNotFoundError, type LandedObjectProblem } from '../../core/errors';
import { formatHour } from '../../core/importHour';
import { sha256OfStream } from '../objectStore/keys';
import type { ObjectStore } from '../objectStore/types';
import type { Knex } from 'knex';
import { storeId } from '../db/storeIdentity';
import type { BackupStore } from './store';

/** An object as the database recorded it: key in the bound landing store, sha256, and its hour. */
export interface RecordedObject {
  key: string;
  sha256: string;
  /** The import hour that landed it: its backup is that hour's (`tempctl backup repair --from/--to`). */
  hour: Date;
}

export type RepairOutcome = 'repaired' | 'unrepairable';

/** Where a damaged object can be repaired from, and who is told of each repair (the metrics). */
export interface LandedReader {
  /** The landing store, bound to the database's store id. */
  landing: ObjectStore;
  backups?: { store: BackupStore; storeId: string };
  onRepair?: (outcome: RepairOutcome, object: RecordedObject) => void;
}

/** The reader of a database's landed objects, repairing from the backup copies of its store id. */
export async function landedReaderOf(deps: {
  db: Knex;
  landingStore: ObjectStore;
  backupStore: BackupStore;
  onLandedRepair?: (outcome: RepairOutcome, object: RecordedObject) => void;
}): Promise<LandedReader> {
  return {
    landing: deps.landingStore,
    backups: { store: deps.backupStore, storeId: await storeId(deps.db) },
    onRepair: deps.onLandedRepair,
  };
}

/** What a check found wrong with an object, or undefined when it is as recorded. */
export interface Finding {
  problem: LandedObjectProblem;
  detail: string;
}

/** The command that repairs an object found damaged, named in every message about one. */
export function repairCommand(object: RecordedObject): string {
  return `tempctl backup repair --from ${formatHour(object.hour)} --to ${formatHour(object.hour)}`;
}

/** Hashes the object in the landing store, streamed: undefined when it is as recorded. */
export async function checkRecorded(
  landing: ObjectStore,
  object: RecordedObject,
): Promise<Finding | undefined> {
  let found;
  try {
    found = await sha256OfStream(await landing.openRead(object.key));
  } catch (error) {
    if (isObjectNotFoundError(error)) return { problem: 'missing', detail: 'no object under the key' };
    throw error;
  }
  return differs(found, object);
}

/**
 * A local file with the object's recorded bytes (a download for S3: under `workDir`, which the
 * caller removes), repaired first from the backup copy when it is missing or damaged.
 * @throws LandedObjectError (not retryable) when it is neither as recorded nor repairable.
 */
export async function getRecordedFile(
  reader: LandedReader,
  object: RecordedObject,
  workDir: string,
): Promise<string> {
  const first = await tryGet(reader.landing, object, workDir);
  if ('file' in first) return first.file;
  const repair = await repairObject(reader, object, workDir);
  let reason: string;
  if (repair.repaired) {
    const again = await tryGet(reader.landing, object, workDir);
    if ('file' in again) return again.file;
    reason = `repaired from the backup copy, then read as ${again.detail}`;
  } else {
    reason = repair.reason;
  }
  throw new LandedObjectError({
    key: object.key,
    hour: object.hour,
    problem: first.problem,
    detail: first.detail,
    fix: `no good backup copy repaired it (${reason}): restore it with \`${repairCommand(object)} --dir <a backup holding it>\`, or land the hour again (\`tempctl run --hour <its import hour> --refetch\`) if the source still serves it; docs/operations.md "A landed object is missing or damaged"`,
  });
}

/**
 * Copies the backup's copy over the landing store's object when the copy has the recorded sha256.
 * Tells `onRepair` the outcome.
 */
export async function repairObject(
  reader: LandedReader,
  object: RecordedObject,
  workDir: string,
): Promise<{ repaired: true } | { repaired: false; reason: string }> {
  const outcome = await copyBack(reader, object, workDir);
  reader.onRepair?.(outcome.repaired ? 'repaired' : 'unrepairable', object);
  return outcome;
}

async function copyBack(
  reader: LandedReader,
  object: RecordedObject,
  workDir: string,
): Promise<{ repaired: true } | { repaired: false; reason: string }> {
  if (reader.backups === undefined) return { repaired: false, reason: 'no backup store given' };
  const { store, storeId } = reader.backups;
  const copyKey = `${storeId}/objects/${object.key}`;
  let local: string;
  try {
    local = await store.store.getFile(copyKey, workDir);
  } catch (error) {
    if (isObjectNotFoundError(error)) return { repaired: false, reason: `${store.url} holds no copy of it` };
    throw error;
  }
  const downloaded = path.dirname(local) === workDir;
  try {
    const copy = await sha256OfStream(createReadStream(local));
    if (copy.sha256 !== object.sha256)
      return {
        repaired: false,
        reason: `the copy in ${store.url} has sha256 ${copy.sha256.slice(0, 12)}…, not the recorded one`,
      };
    await reader.landing.replaceFile(object.key, local, object.sha256);
    return { repaired: true };
  } finally {
    if (downloaded) await fs.rm(local, { force: true });
  }
}

async function tryGet(
  landing: ObjectStore,
  object: RecordedObject,
  workDir: string,
): Promise<{ file: string } | Finding> {
  let file: string;
  try {
    file = await landing.getFile(object.key, workDir);
  } catch (error) {
    if (isObjectNotFoundError(error)) return { problem: 'missing', detail: 'no object under the key' };
    throw error;
  }
  const downloaded = path.dirname(file) === workDir;
  const verified = verifiedIn(landing);
  const known = `${await fileIdentity(file)} ${object.sha256}`;
  const finding = verified.has(known)
    ? undefined
    : differs(await sha256OfStream(createReadStream(file)), object);
  if (finding === undefined) {
    remember(verified, known);
    return { file };
  }
  if (downloaded) await fs.rm(file, { force: true });
  return finding;
}

/**
 * The files found as recorded, per landing store: their identity (device, inode, size, mtime) with
 * the sha256 they had. A file read in place (a folder store's) and a worker-local cache's copy (a
 * hard link to one inode) are then hashed once, not by every landing, which otherwise hashed every
 * file of the correction horizon again. Landed objects are written once: a rewrite, truncation or
 * replacement changes the identity and is hashed again; rot that changes none of it is what
 * `tempctl backup verify` finds. A download is a new inode, hashed.
 */
const verifiedFiles = new WeakMap<ObjectStore, Set<string>>();

function verifiedIn(landing: ObjectStore): Set<string> {
  let verified = verifiedFiles.get(landing);
  if (verified === undefined) {
    verified = new Set();
    verifiedFiles.set(landing, verified);
  }
  return verified;
}

/** Far more than the files of a 168-hour horizon; the least recently read go first. */
const VERIFIED_FILES_KEPT = 100_000;

function remember(verified: Set<string>, known: string): void {
  verified.delete(known);
  verified.add(known);
  if (verified.size > VERIFIED_FILES_KEPT) verified.delete(verified.values().next().value!);
}

/** Not ctime: a hard link to the file (the cache's hand-out) changes it. */
async function fileIdentity(file: string): Promise<string> {
  const stat = await fs.stat(file, { bigint: true });
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}`;
}

function differs(found: { bytes: number; sha256: string }, object: RecordedObject): Finding | undefined {
  if (found.sha256 === object.sha256) return undefined;
  return {
    problem: 'damaged',
    detail: `${found.bytes} bytes with sha256 ${found.sha256.slice(0, 12)}…, recorded ${object.sha256.slice(0, 12)}…: truncated or overwritten`,
  };
}
