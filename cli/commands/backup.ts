/**
 * `tempctl backup verify`: check the hour backups, in a folder or an S3-compatible bucket, and the
 * landing store itself (every recorded object there with its sha256). `tempctl backup repair`:
 * copy the backup's copy back over each landed object found missing or damaged.
 */
import os from 'node:os';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Knex } from 'knex';
import { loadConfig } from '../../config';
import { BackupStore } from '../../adapters/backup/store';
import { checkRecorded, repairCommand, repairObject } from '../../adapters/backup/landedObjects';
import { recordedObjects } from '../../adapters/db/backupTables';
import { hoursInRange, pickStoreId } from '../../adapters/db/restore';
import { bindObjectStore, storeId } from '../../adapters/db/storeIdentity';
import { BACKUP_STORE, LANDING_STORE, openObjectStore } from '../../adapters/objectStore';
import { formatHour, parseHour } from '../../core/importHour';
import { withDatabase } from '../context';

interface RangeOptions {
  dir?: string;
  from?: string;
  to?: string;
}

function openBackups(options: RangeOptions): BackupStore {
  const config = loadConfig();
  return new BackupStore(
    openObjectStore(
      options.dir ?? config.backupDir,
      config.s3,
      options.dir === undefined ? BACKUP_STORE : { component: 'backup-store', setting: '--dir' },
    ),
  );
}

function range(options: RangeOptions): [Date | undefined, Date | undefined] {
  return [
    options.from === undefined ? undefined : parseHour(options.from),
    options.to === undefined ? undefined : parseHour(options.to),
  ];
}

/** The configured landing store, bound to the database's store id, and the objects recorded in range. */
async function recorded(db: Knex, options: RangeOptions) {
  const config = loadConfig();
  const landing = await bindObjectStore(
    db,
    openObjectStore(config.landingStoreUrl, config.s3, LANDING_STORE),
  );
  return { landing, objects: await recordedObjects(db, ...range(options)) };
}

export function registerBackupCommands(program: Command): void {
  const backup = program.command('backup').description('hour backups');
  backup
    .command('verify')
    .description(
      'check every hour backup (each file present, size, sha256, row count, each copied object) and the landing store (each recorded object present with its sha256)',
    )
    .option('--dir <location>', 'backup folder or s3://bucket/prefix (default BACKUP_DIR)')
    .option(
      '--store-id <uuid>',
      'only the backups of this database (default: every database backed up there)',
    )
    .option('--from <hour>', 'first hour')
    .option('--to <hour>', 'last hour')
    .option('--no-landing', 'check the backups only, not the landing store (no database needed)')
    .action(async (options: RangeOptions & { storeId?: string; landing: boolean }) => {
      const store = openBackups(options);
      const ids =
        options.storeId === undefined ? await store.storeIds() : [await pickStoreId(store, options.storeId)];
      let checked = 0;
      let failures = 0;
      for (const id of ids) {
        for (const ref of hoursInRange(await store.listHours(id), ...range(options))) {
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
      const damaged = options.landing ? await verifyLanding(options) : 0;
      if (checked === 0) throw new Error(`no hour backup found in ${store.url} for that range`);
      const problems = [
        ...(failures > 0 ? [`${failures} backup(s) failed verification`] : []),
        ...(damaged > 0
          ? [`${damaged} landed object(s) missing or damaged in the landing store: tempctl backup repair`]
          : []),
      ];
      if (problems.length > 0) throw new Error(problems.join('; '));
    });
  backup
    .command('repair')
    .description(
      'copy the backup copy back over each landed object found missing or damaged (only a copy with the recorded sha256)',
    )
    .option('--dir <location>', 'backup folder or s3://bucket/prefix holding the copies (default BACKUP_DIR)')
    .option('--from <hour>', 'first import hour')
    .option('--to <hour>', 'last import hour')
    .action((options: RangeOptions) =>
      withDatabase(async (db) => {
        const { landing, objects } = await recorded(db, options);
        const reader = { landing, backups: { store: openBackups(options), storeId: await storeId(db) } };
        const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tp-repair-'));
        let repaired = 0;
        let unrepairable = 0;
        try {
          for (const object of objects) {
            const finding = await checkRecorded(landing, object);
            if (finding === undefined) continue;
            const outcome = await repairObject(reader, object, work);
            if (outcome.repaired) {
              repaired += 1;
              console.log(`REPAIRED      ${formatHour(object.hour)}  ${object.key} (was ${finding.problem})`);
            } else {
              unrepairable += 1;
              console.log(`UNREPAIRABLE  ${formatHour(object.hour)}  ${object.key}: ${outcome.reason}`);
            }
          }
        } finally {
          await fs.rm(work, { recursive: true, force: true });
        }
        console.log(
          `${objects.length} landed object(s) checked, ${repaired} repaired, ${unrepairable} unrepairable`,
        );
        if (unrepairable > 0)
          throw new Error(
            `${unrepairable} landed object(s) have no good backup copy: see docs/operations.md "A landed object is missing or damaged"`,
          );
      }, 'repairing landed objects'),
    );
}

/** Checks every recorded object in the landing store; prints each finding; returns how many. */
function verifyLanding(options: RangeOptions): Promise<number> {
  return withDatabase(async (db) => {
    const { landing, objects } = await recorded(db, options);
    let bad = 0;
    for (const object of objects) {
      const finding = await checkRecorded(landing, object);
      if (finding === undefined) continue;
      bad += 1;
      console.log(
        `FAIL  ${formatHour(object.hour)}  landed object ${object.key} is ${finding.problem} (${finding.detail}); repair: ${repairCommand(object)}`,
      );
    }
    console.log(
      `landing store ${landing.url}: ${objects.length - bad} of ${objects.length} landed object(s) as recorded`,
    );
    return bad;
  }, 'checking the landing store');
}
