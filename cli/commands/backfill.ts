/** `tempctl backfill`: recompute a range of hours from their landed readings, through Temporal. */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { hourStates } from '../../adapters/db/hours';
import { BACKFILL_SELECTIONS, planBackfill, type BackfillSelection } from '../../core/backfillPlan';
import { hoursBetween, parseHour } from '../../core/importHour';
import { followBackfill, startBackfill, withClient } from '../../client';
import { BACKFILL_CONCURRENCY, isBackfillConcurrency, MAX_BACKFILL_HOURS } from '../../workflows/backfill';
import { withDatabase } from '../context';

interface BackfillOptions {
  from: string;
  to: string;
  only: string;
  concurrency: number;
  dryRun?: boolean;
}

function parseConcurrency(text: string): number {
  const value = Number(text);
  if (!isBackfillConcurrency(value)) {
    const { min, max } = BACKFILL_CONCURRENCY;
    throw new RangeError(`--concurrency must be a whole number from ${min} to ${max}, got ${text}`);
  }
  return value;
}

function parseRequest(options: BackfillOptions): { from: Date; to: Date; only: BackfillSelection } {
  const from = parseHour(options.from);
  const to = parseHour(options.to);
  if (to < from) throw new RangeError(`--to ${options.to} is before --from ${options.from}`);
  if (hoursBetween(from, to).length > MAX_BACKFILL_HOURS)
    throw new RangeError(`at most ${MAX_BACKFILL_HOURS} hours at once`);
  const only = BACKFILL_SELECTIONS.find((selection) => selection === options.only);
  if (only === undefined) throw new RangeError(`--only must be one of ${BACKFILL_SELECTIONS.join(', ')}`);
  return { from, to, only };
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
      parseConcurrency,
      BACKFILL_CONCURRENCY.default,
    )
    .option('--dry-run', 'print the plan and change nothing')
    .action(async (options: BackfillOptions) => {
      const request = parseRequest(options);
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
        const handle = await startBackfill(client, config, { ...request, concurrency: options.concurrency });
        console.log(`backfill started: workflow ${handle.workflowId}`);
        return followBackfill(handle, (p) =>
          console.log(
            `progress: ${p.done.length + p.failed.length}/${p.planned.length} (failed ${p.failed.length})`,
          ),
        );
      });
      console.log(`recomputed: ${result.done.length} hour(s)`);
      console.log(`no landed readings (not invented): ${result.noLandedData.join(', ') || '—'}`);
      for (const failure of result.failed) console.log(`FAILED ${failure.hour}: ${failure.error}`);
      if (result.failed.length > 0)
        throw new Error(`${result.failed.length} hour(s) failed; rerun with --only failed`);
    });
}
