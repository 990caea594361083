/** `tempctl backfill`, `tempctl backup verify` and `tempctl restore`: recomputing and recovering hours. */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { BackupStore } from '../../adapters/backup/store';
import { hoursInRange, pickStoreId, restoreFromBackups } from '../../adapters/db/restore';
import { openObjectStore } from '../../adapters/objectStore';
import { formatHour, hoursBetween, parseHour } from '../../core/importHour';
import type { BackfillSelection } from '../../activities/types';
import { backfill, backfillProgress, MAX_BACKFILL_HOURS } from '../../workflows/backfill';
import { connectClient } from '../context';
import { withDatabase } from './database';
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
    .description(
      'check every hour backup: each file present, size, sha256, row count, and each copied object',
    )
    .option('--dir <location>', 'backup folder or s3://bucket/prefix (default BACKUP_DIR)')
    .option(
      '--store-id <uuid>',
      'only the backups of this database (default: every database backed up there)',
    )
    .option('--from <hour>', 'first hour')
    .option('--to <hour>', 'last hour')
    .action(async (options: { dir?: string; storeId?: string; from?: string; to?: string }) => {
      const config = loadConfig();
      const store = new BackupStore(openObjectStore(options.dir ?? config.backupDir, config.s3));
      const ids =
        options.storeId === undefined ? await store.storeIds() : [await pickStoreId(store, options.storeId)];
      let checked = 0;
      let failures = 0;
      for (const id of ids) {
        const refs = hoursInRange(
          await store.listHours(id),
          options.from === undefined ? undefined : parseHour(options.from),
          options.to === undefined ? undefined : parseHour(options.to),
        );
        for (const ref of refs) {
          checked += 1;
          try {
            const manifest = await store.verify(ref);
            const tables = manifest.tables.map((t) => `${t.name} ${t.rows}`).join(', ');
            console.log(`OK    ${manifest.hour}  ${tables}, objects ${manifest.objects.length}`);
          } catch (error) {
            failures += 1;
            console.log(`FAIL  ${ref.folder}  ${(error as Error).message}`);
          }
        }
      }
      console.log(`${checked - failures} verified, ${failures} failed`);
      if (checked === 0) throw new Error(`no hour backup found in ${store.url} for that range`);
      if (failures > 0) throw new Error(`${failures} backup(s) failed verification`);
    });

  program
    .command('restore')
    .description(
      'rebuild the tables from hour backups into an empty database (refuses a backup that fails verification)',
    )
    .requiredOption(
      '--from <location>',
      'the backup folder or s3://bucket/prefix (BACKUP_DIR of the lost database)',
    )
    .option('--store-id <uuid>', 'which database to restore when several were backed up there')
    .option('--from-hour <hour>', 'first hour to restore')
    .option('--to-hour <hour>', 'last hour to restore')
    .action(async (options: { from: string; storeId?: string; fromHour?: string; toHour?: string }) => {
      const config = loadConfig();
      const store = new BackupStore(openObjectStore(options.from, config.s3));
      // Landed objects go back into LANDING_STORE_URL, under the lost database's store id.
      const landing = openObjectStore(config.landingStoreUrl, config.s3);
      const report = await withDatabase((db) =>
        restoreFromBackups(db, store, {
          storeId: options.storeId,
          landing,
          from: options.fromHour === undefined ? undefined : parseHour(options.fromHour),
          to: options.toHour === undefined ? undefined : parseHour(options.toHour),
        }),
      );
      console.log(
        `restored store ${report.storeId}, ${report.hours.length} hour(s): ${report.hours[0]} … ${report.hours[report.hours.length - 1]}, ${report.objects} landed object(s)`,
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
