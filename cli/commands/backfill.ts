/**
 * `tempctl backfill`: recompute a range of hours from their landed readings, through Temporal's
 * `backfillWindow` workflow (a sliding window of hours, continuing as new). Run again while it
 * runs, it follows the same backfill where it is; `--status` prints each hour's status.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { hourStates } from '../../adapters/db/hours';
import {
  BACKFILL_SELECTIONS,
  backfillHourStatuses,
  planBackfill,
  type BackfillSelection,
} from '../../core/backfillPlan';
import { hoursBetween, parseHour } from '../../core/importHour';
import {
  backfillState,
  backfillWorkflowId,
  followBackfill,
  openBackfill,
  withClient,
  type BackfillReport,
} from '../../client';
import { BACKFILL_CONCURRENCY } from '../../workflows/backfill';
import { BACKFILL_HOURS_PER_RUN, MAX_WINDOW_HOURS } from '../../workflows/backfillWindow';
import { withDatabase } from '../context';

interface BackfillOptions {
  from: string;
  to: string;
  only: string;
  concurrency: number;
  hoursPerRun: number;
  dryRun?: boolean;
  status?: boolean;
}

/** A parser for a whole-number option within the workflow's own bounds (others are refused, not clamped). */
function wholeNumberIn(name: string, bounds: { min: number; max: number }) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < bounds.min || value > bounds.max)
      throw new RangeError(`${name} must be a whole number from ${bounds.min} to ${bounds.max}, got ${text}`);
    return value;
  };
}

function parseRequest(options: BackfillOptions): { from: Date; to: Date; only: BackfillSelection } {
  const from = parseHour(options.from);
  const to = parseHour(options.to);
  if (to < from) throw new RangeError(`--to ${options.to} is before --from ${options.from}`);
  if (hoursBetween(from, to).length > MAX_WINDOW_HOURS)
    throw new RangeError(`at most ${MAX_WINDOW_HOURS} hours at once`);
  const only = BACKFILL_SELECTIONS.find((selection) => selection === options.only);
  if (only === undefined) throw new RangeError(`--only must be one of ${BACKFILL_SELECTIONS.join(', ')}`);
  return { from, to, only };
}

const progressLine = (p: BackfillReport) =>
  `progress: ${p.done.length + p.failed.length}/${p.planned.length} (failed ${p.failed.length}` +
  (p.running ? `, running ${p.running.length}, pending ${p.pending ?? 0}, run ${p.run ?? 1}` : '') +
  ')';

function printStatuses(progress: BackfillReport): void {
  for (const { hour, status, error } of backfillHourStatuses(progress))
    console.log(`${hour}  ${status}${error === undefined ? '' : `: ${error}`}`);
  console.log(progressLine(progress));
}

async function printState(workflowId: string): Promise<void> {
  const config = loadConfig();
  const state = await withClient(config, (client) => backfillState(client, workflowId));
  if (!state) {
    console.log(`no backfill of this range: workflow ${workflowId} was never started (or is past retention)`);
    return;
  }
  const { execution, progress } = state;
  console.log(
    `backfill ${workflowId}: ${execution.type}, ${execution.status} (started ${execution.startTime.toISOString()})`,
  );
  if (progress) printStatuses(progress);
  else console.log('no worker answered its progress query; start a worker (`tempctl worker`) and ask again');
}

export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description('recompute a range of hours from their landed readings, through Temporal')
    .requiredOption('--from <hour>', 'first hour, ISO 8601')
    .requiredOption('--to <hour>', 'last hour, ISO 8601 (included)')
    .option('--only <which>', BACKFILL_SELECTIONS.join(' | '), 'missing')
    .option(
      '--concurrency <n>',
      `hours recomputed at once (${BACKFILL_CONCURRENCY.min}-${BACKFILL_CONCURRENCY.max})`,
      wholeNumberIn('--concurrency', BACKFILL_CONCURRENCY),
      BACKFILL_CONCURRENCY.default,
    )
    .option(
      '--hours-per-run <n>',
      `hours one workflow run starts before it continues as new (${BACKFILL_HOURS_PER_RUN.min}-${BACKFILL_HOURS_PER_RUN.max})`,
      wholeNumberIn('--hours-per-run', BACKFILL_HOURS_PER_RUN),
      BACKFILL_HOURS_PER_RUN.default,
    )
    .option('--dry-run', 'print the plan and change nothing')
    .option('--status', "print each hour's status in this range's backfill (running or ended); start nothing")
    .action(async (options: BackfillOptions) => {
      const request = parseRequest(options);
      if (options.status) return printState(backfillWorkflowId(request));
      if (options.dryRun) {
        const plan = await withDatabase(async (db) =>
          planBackfill(await hourStates(db, request.from, request.to), request.only),
        );
        console.log(`would recompute ${plan.planned.length} hour(s): ${plan.planned.join(', ') || '—'}`);
        console.log(`no landed readings (left alone): ${plan.noLandedData.join(', ') || '—'}`);
        console.log(`not selected by --only ${request.only}: ${plan.skipped.length}`);
        return;
      }
      const config = loadConfig();
      const result = await withClient(config, async (client) => {
        const { handle, attached } = await openBackfill(client, config, {
          ...request,
          concurrency: options.concurrency,
          hoursPerRun: options.hoursPerRun,
        });
        console.log(
          attached
            ? `backfill already running since ${attached.startTime.toISOString()}: workflow ${handle.workflowId} ` +
                `(${attached.type}); following it where it is (its own --concurrency and --hours-per-run)`
            : `backfill started: workflow ${handle.workflowId} (backfillWindow, ${options.hoursPerRun} hours a run)`,
        );
        const onInterrupt = () => {
          console.log(
            `\nInterrupted: the backfill goes on in the workers (workflow ${handle.workflowId}). ` +
              'Run the same command again to follow it, or add --status to see each hour.',
          );
          process.exit(130);
        };
        process.once('SIGINT', onInterrupt);
        let last = '';
        try {
          return await followBackfill(handle, (p) => {
            const line = progressLine(p);
            if (line !== last) console.log(line);
            last = line;
          });
        } finally {
          process.removeListener('SIGINT', onInterrupt);
        }
      });
      console.log(`recomputed: ${result.done.length} hour(s)`);
      console.log(`no landed readings (not invented): ${result.noLandedData.join(', ') || '—'}`);
      for (const failure of result.failed) console.log(`FAILED ${failure.hour}: ${failure.error}`);
      if (result.failed.length > 0)
        throw new Error(`${result.failed.length} hour(s) failed; rerun with --only failed`);
    });
}
