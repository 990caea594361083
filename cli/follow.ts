/**
 * Waiting for an import from the terminal: the wait survives the Temporal server going away for a
 * while (it reconnects and keeps following the same run, saying so), Ctrl-C says the import goes
 * on in the worker and how to follow it, and a run whose aggregates are stored but whose backup
 * failed still prints its summary before failing.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { isTemporalUnavailable, withTemporalOrigin } from '../adapters/temporal/unreachable';
import { BACKUP_FAILED } from '../workflows/failures';
import type { hourlyImport } from '../workflows/hourlyImport';
import type { ImportSummary } from '../workflows/summary';
import { formatSummary } from './format';

/** How long the CLI keeps trying to reach a Temporal server that went away, before giving up. */
export const RECONNECT_FOR_MS = 10 * 60_000;
const RETRY_EVERY_MS = 2_000;

export interface FollowOptions {
  hour: string;
  address: string;
  /** Progress messages (stderr), so stdout keeps only the summary. */
  say?: (line: string) => void;
}

export async function followImport(
  handle: WorkflowHandle<typeof hourlyImport>,
  options: FollowOptions,
): Promise<ImportSummary> {
  const say = options.say ?? ((line: string) => console.error(line));
  const follow = `tempctl run --hour ${options.hour}`;
  const onInterrupt = () => {
    say(
      `\nInterrupted: tempctl stopped waiting, but the import of ${options.hour} goes on in the worker ` +
        `(workflow ${handle.workflowId}). Follow it with \`${follow}\` (it attaches to the running import) ` +
        `or in the Temporal UI; cancel it with \`temporal workflow cancel --workflow-id ${handle.workflowId}\`.`,
    );
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  // Said once Ctrl-C is handled, so that from this line on it always gets the message below.
  say(`Waiting for the import of ${options.hour} (workflow ${handle.workflowId})…`);
  try {
    return await waitThroughOutages(handle, options.address, say, follow);
  } catch (error) {
    printSummaryOfStoredRun(error);
    throw error;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

async function waitThroughOutages(
  handle: WorkflowHandle<typeof hourlyImport>,
  address: string,
  say: (line: string) => void,
  follow: string,
): Promise<ImportSummary> {
  let lostSince: number | undefined;
  for (;;) {
    try {
      if (lostSince !== undefined) {
        await handle.describe();
        say(`Reconnected to Temporal at ${address}; following the import again.`);
        lostSince = undefined;
      }
      return await handle.result();
    } catch (error) {
      if (!isTemporalUnavailable(error)) throw error;
      const now = Date.now();
      if (lostSince === undefined) {
        lostSince = now;
        say(
          `Lost the connection to Temporal at ${address} (TEMPORAL_ADDRESS); the import goes on in the worker. ` +
            `Reconnecting for up to ${RECONNECT_FOR_MS / 60_000} minutes…`,
        );
      } else if (now - lostSince > RECONNECT_FOR_MS) {
        throw withTemporalOrigin(
          new Error(
            `Temporal at ${address} (TEMPORAL_ADDRESS) has been unreachable for ${RECONNECT_FOR_MS / 60_000} minutes; ` +
              `the import may still run in the worker: follow it later with \`${follow}\``,
          ),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_EVERY_MS));
    }
  }
}

/** A run that failed only at its backup carries its summary: the rows it stored are shown. */
function printSummaryOfStoredRun(error: unknown): void {
  if (!(error instanceof WorkflowFailedError)) return;
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== BACKUP_FAILED) return;
  const summary = cause.details?.[0] as ImportSummary | undefined;
  if (summary !== undefined) console.log(formatSummary(summary));
}
