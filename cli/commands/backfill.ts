/** `tempctl backfill`, `tempctl backup verify` and `tempctl restore`: recomputing and recovering hours. */
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { LocalBackupStore } from '../../adapters/backup/store';
import { foldersInRange, restoreFromBackups } from '../../adapters/db/restore';
import { formatHour, hoursBetween, parseHour } from '../../core/importHour';
import type { BackfillSelection } from '../../activities/types';
import { backfill, backfillProgress, MAX_BACKFILL_HOURS } from '../../workflows/backfill';
import { connectClient } from '../context';
import { withDatabase } from './query';
import { planBackfill } from '../../core/backfillPlan';
import { hourStates } from '../../adapters/db/hours';

const SELECTIONS: BackfillSelection[] = ['missing', 'failed', 'all'];

function parseConcurrency(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 16) {
    throw new RangeError(`--concurrency must be a whole number from 1 to 16, got ${text}`);
  }
  return value;
}

function parseRange(options: { from: string; to: string }): { from: Date; to: Date } {
  const from = parseHour(options.from);
  const to = parseHour(options.to);
  if (to < from) throw new RangeError(`--to ${options.to} is before --from ${options.from}`);
  if (hoursBetween(from, to).length > MAX_BACKFILL_HOURS)
    throw new RangeError(`at most ${MAX_BACKFILL_HOURS} hours at once`);
  return { from, to };
}

export function registerRecoveryCommands(program: Command): void {
  program
    .command('backfill')
    .description('recompute a range of hours from their landed readings, through Temporal')
    .requiredOption('--from <hour>', 'first hour, ISO 8601')
    .requiredOption('--to <hour>', 'last hour, ISO 8601 (included)')
    .option('--only <which>', `missing | failed | all`, 'missing')
    .option('--concurrency <n>', 'hours recomputed at once (1-16)', parseConcurrency, 4)
    .option('--dry-run', 'print the plan and change nothing')
    .action(
      async (options: { from: string; to: string; only: string; concurrency: number; dryRun?: boolean }) => {
        const { from, to } = parseRange(options);
        if (!SELECTIONS.includes(options.only as BackfillSelection)) {
          throw new RangeError(`--only must be one of ${SELECTIONS.join(', ')}`);
        }
        const only = options.only as BackfillSelection;
        if (options.dryRun) {
          const plan = await withDatabase(async (db) => planBackfill(await hourStates(db, from, to), only));
          console.log(`would recompute ${plan.planned.length} hour(s): ${plan.planned.join(', ') || '—'}`);
          console.log(`no landed readings (left alone): ${plan.noLandedData.join(', ') || '—'}`);
          console.log(`not selected by --only ${only}: ${plan.skipped.length}`);
          return;
        }
        const config = loadConfig();
        const client = await connectClient(config);
        try {
          const handle = await client.workflow.start(backfill, {
            workflowId: `backfill-${formatHour(from)}-${formatHour(to)}-${only}`,
            taskQueue: config.temporal.taskQueue,
            args: [{ from: formatHour(from), to: formatHour(to), only, concurrency: options.concurrency }],
          });
          console.log(`backfill started: workflow ${handle.workflowId}`);
          const done = handle.result();
          const settled = done.then(
            () => true,
            () => true,
          );
          const tick = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_000));
          while (!(await Promise.race([settled, tick()]))) {
            const p = await handle.query(backfillProgress).catch(() => undefined);
            if (p)
              console.log(
                `progress: ${p.done.length + p.failed.length}/${p.planned.length} (failed ${p.failed.length})`,
              );
          }
          const result = await done;
          console.log(`recomputed: ${result.done.length} hour(s)`);
          console.log(`no landed readings (not invented): ${result.noLandedData.join(', ') || '—'}`);
          for (const failure of result.failed) console.log(`FAILED ${failure.hour}: ${failure.error}`);
          if (result.failed.length > 0)
            throw new Error(`${result.failed.length} hour(s) failed; rerun with --only failed`);
        } finally {
          await client.connection.close();
        }
      },
    );

  const backup = program.command('backup').description('hour backups');
  backup
    .command('verify')
    .description('check every backup manifest: each file present, size, sha256, row count')
    .option('--dir <folder>', 'backup folder (default BACKUP_DIR)')
    .option('--from <hour>', 'first hour')
    .option('--to <hour>', 'last hour')
    .action(async (options: { dir?: string; from?: string; to?: string }) => {
      const store = new LocalBackupStore(path.resolve(options.dir ?? loadConfig().backupDir));
      const folders = foldersInRange(
        await store.listHours(),
        options.from === undefined ? undefined : parseHour(options.from),
        options.to === undefined ? undefined : parseHour(options.to),
      );
      let failures = 0;
      for (const folder of folders) {
        try {
          const { manifest } = await store.readVerified(folder);
          console.log(
            `OK    ${manifest.hour}  ${manifest.files.map((f) => `${f.name.split('.')[0]} ${f.rows}`).join(', ')}`,
          );
        } catch (error) {
          failures += 1;
          console.log(`FAIL  ${folder}  ${(error as Error).message}`);
        }
      }
      console.log(`${folders.length - failures} verified, ${failures} failed`);
      if (folders.length === 0) throw new Error(`no hour backup found in ${store.root} for that range`);
      if (failures > 0) throw new Error(`${failures} backup(s) failed verification`);
    });

  program
    .command('restore')
    .description(
      'rebuild the tables from hour backups into an empty database (refuses a backup that fails verification)',
    )
    .requiredOption('--from <folder>', 'the backup folder (BACKUP_DIR of the lost database)')
    .option('--from-hour <hour>', 'first hour to restore')
    .option('--to-hour <hour>', 'last hour to restore')
    .action(async (options: { from: string; fromHour?: string; toHour?: string }) => {
      const store = new LocalBackupStore(path.resolve(options.from));
      const report = await withDatabase((db) =>
        restoreFromBackups(db, store, {
          from: options.fromHour === undefined ? undefined : parseHour(options.fromHour),
          to: options.toHour === undefined ? undefined : parseHour(options.toHour),
        }),
      );
      console.log(
        `restored ${report.hours.length} hour(s): ${report.hours[0]} … ${report.hours[report.hours.length - 1]}`,
      );
      console.log(
        Object.entries(report.rows)
          .map(([table, n]) => `${table} ${n}`)
          .join(', '),
      );
      console.log(
        'region assignments are derived: `tempctl backfill --only all` recomputes them when needed',
      );
    });
}
