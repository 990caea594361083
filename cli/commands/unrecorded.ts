/**
 * `tempctl unrecorded [--delete]`: the landing store's objects that no batch recorded (a worker
 * died between a put and its commit), written more than `--grace-hours` ago. Lists them (a dry
 * run) unless `--delete`, which removes them. adapters/landing/unrecorded.ts says how they are found.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { LANDING_STORE, openObjectStore } from '../../adapters/objectStore';
import { bindObjectStore } from '../../adapters/db/storeIdentity';
import { findUnrecorded, removeUnrecorded, UNRECORDED_GRACE_HOURS } from '../../adapters/landing/unrecorded';
import { withDatabase } from '../context';

export function registerUnrecordedCommand(program: Command): void {
  program
    .command('unrecorded')
    .description(
      'list the landing store objects no batch recorded (a crash between put and commit); --delete removes them',
    )
    .option('--delete', 'remove them (default: only list them)')
    .option(
      '--grace-hours <hours>',
      'only objects written longer ago than this',
      String(UNRECORDED_GRACE_HOURS),
    )
    .action((options: { delete?: boolean; graceHours: string }) =>
      withDatabase(async (db) => {
        const graceHours = Number(options.graceHours);
        if (!Number.isFinite(graceHours) || graceHours < 1)
          throw new Error(`--grace-hours must be a number of hours, at least 1: ${options.graceHours}`);
        const config = loadConfig();
        const store = await bindObjectStore(
          db,
          openObjectStore(config.landingStoreUrl, config.s3, LANDING_STORE),
        );
        const before = new Date(Date.now() - graceHours * 3_600_000);
        const objects =
          options.delete === true
            ? await removeUnrecorded(db, store, before)
            : await findUnrecorded(db, store, before);
        for (const o of objects) console.log(`${o.writtenAt.toISOString()}  ${o.bytes} bytes  ${o.key}`);
        const bytes = objects.reduce((sum, o) => sum + o.bytes, 0);
        console.log(
          options.delete === true
            ? `deleted ${objects.length} unrecorded objects (${bytes} bytes) written before ${before.toISOString()}`
            : `${objects.length} unrecorded objects (${bytes} bytes) written before ${before.toISOString()}${objects.length > 0 ? '; tempctl unrecorded --delete removes them' : ''}`,
        );
      }, 'looking up the landed objects'),
    );
}
