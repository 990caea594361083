/**
 * `tempctl versions rebuild`: rebuilds the version index (each batch's version run) from the Parquet
 * files and checks it against the runs recorded (adapters/versions/rebuild.ts); `--check` only compares.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { rebuildVersionRuns } from '../../adapters/versions/rebuild';
import { withDatabase, withLandingStore } from '../context';

export function registerVersionsCommands(program: Command): void {
  const versions = program.command('versions').description('the version index (docs/versioning.md)');
  versions
    .command('rebuild')
    .description(
      "rebuild every batch's version run from its Parquet files: add missing runs, replace differing ones, report identical ones",
    )
    .option('--check', 'only compare: change nothing, fail if a recorded run differs from its rebuild')
    .action((options: { check?: boolean }) =>
      withDatabase(async (db) => {
        await withLandingStore(
          db,
          loadConfig(),
          'versions',
          async ({ landingStore, analytics, scratchDir }) => {
            const check = options.check === true;
            const report = await rebuildVersionRuns({ db, landingStore, analytics, scratchDir }, { check });
            console.log(
              `${report.batches} batches: ${report.identical} runs identical to their rebuild, ${report.added} added, ${report.restored} put again, ${report.differing.length} differing${check || report.differing.length === 0 ? '' : ' (replaced)'}`,
            );
            for (const key of report.differing) console.log(`DIFF  ${key}`);
            if (check && report.differing.length > 0)
              throw new Error(`${report.differing.length} version run(s) differ from their rebuild`);
          },
        );
      }, 'rebuilding the version index'),
    );
}
