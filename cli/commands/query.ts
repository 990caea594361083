/** `tempctl query three-hours-before`: the analysts' view. */
import type { Command } from 'commander';
import { threeHoursBefore } from '../../adapters/db/queries';
import { parseHour } from '../../core/importHour';
import { withDatabase } from '../context';
import { formatThreeHoursBefore } from '../format';

export function registerQueryCommand(program: Command): void {
  program
    .command('query')
    .description("analysts' queries")
    .command('three-hours-before')
    .description("each region's temperature per hour next to its temperature 3 hours before")
    .option('--region <name>', 'one region, by name (e.g. "Île-de-France")')
    .option('--from <hour>', 'first hour, ISO 8601')
    .option('--to <hour>', 'last hour, ISO 8601')
    .action((options: { region?: string; from?: string; to?: string }) =>
      withDatabase(async (db) => {
        const rows = await threeHoursBefore(db, {
          region: options.region,
          from: options.from === undefined ? undefined : parseHour(options.from),
          to: options.to === undefined ? undefined : parseHour(options.to),
        });
        console.log(formatThreeHoursBefore(rows));
      }),
    );
}
