/**
 * One hour, one call, across worker hosts: once a pull's answer has arrived, the fetch notes it in
 * its heartbeat details (which host has it, where it is parked). A retry that runs on another host
 * finds neither the stored answer nor a parked copy of its own; reading the note, it fails, not
 * retryable, instead of calling the source again (which would answer other, present readings),
 * naming the host and the files to copy. Temporal records a note within 0.8 × the heartbeat
 * timeout (8 s): a worker dying sooner after the last byte leaves none, and its retry calls again.
 */
import os from 'node:os';
import { StrandedAnswerError } from '../core/errors';
import { formatHour } from '../core/importHour';
import type { ParkedAnswers } from '../adapters/files/parkedAnswers';
import type { SourceBatch } from '../adapters/sources/types';
import { earlierAttempt } from './heartbeat';

/** What the note says (heartbeat details, `answerReceived`). */
export interface ReceivedAnswer {
  source: string;
  pullKey: string;
  host: string;
  /** The parked answer's files on that host (none when nothing parks answers). */
  files: string[];
  sha256?: string;
  receivedAt: string;
}

/** The note for a pull's answers just received and parked (undefined for keyed batches). */
export function receivedNote(
  source: string,
  pullKey: string,
  batches: readonly SourceBatch[],
  parked: ParkedAnswers | undefined,
): { answerReceived: ReceivedAnswer } | undefined {
  const pulled = batches.find((batch) => batch.key === null);
  if (pulled === undefined) return undefined;
  return {
    answerReceived: {
      source,
      pullKey,
      host: os.hostname(),
      files: parked?.filesOf(source, pullKey) ?? [],
      sha256: pulled.bodySha256,
      receivedAt: pulled.fetchedAt.toISOString(),
    },
  };
}

/**
 * The failure for this pull when an earlier attempt noted its answer as received and this attempt
 * has it neither stored nor parked; undefined when nothing was noted (the source may be called), or
 * when the note is this very worker's (same host, same parked folder): it parked the answer there
 * and removed it itself, as after forgetting a body cut short, which is asked for again.
 */
export function strandedAnswer(
  source: string,
  pullKey: string,
  hour: Date,
  parked: ParkedAnswers | undefined,
): StrandedAnswerError | undefined {
  const noted = earlierAttempt()?.answerReceived as Partial<ReceivedAnswer> | undefined;
  if (noted?.source !== source || noted.pullKey !== pullKey) return undefined;
  const files = noted.files ?? [];
  const own: readonly string[] = parked?.filesOf(source, pullKey) ?? [];
  if (noted.host === os.hostname() && files.length > 0 && files.every((file) => own.includes(file)))
    return undefined;
  const where =
    files.length > 0
      ? `kept there as ${files.join(' and ')}`
      : 'kept nowhere else (no DATA_DIR parks answers on that worker)';
  return new StrandedAnswerError(
    `the local disk (check DATA_DIR): ${source}'s answer for ${formatHour(hour)} arrived at ${String(noted.receivedAt)} on worker host ${String(noted.host)} (sha256 ${String(noted.sha256 ?? '?').slice(0, 12)}…), ${where}, and never reached the landing store; this retry runs on ${os.hostname()}, which does not have it, so ${source} is not called again. ` +
      `Copy those two files into this host's DATA_DIR/scratch/answers (or keep a worker of ${String(noted.host)} running), then rerun: tempctl run --hour ${formatHour(hour)}; tempctl run --hour ${formatHour(hour)} --refetch asks ${source} again for its present readings instead`,
  );
}
