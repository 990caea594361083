/** `tempctl run --hour H`: one hour's import through Temporal, waited for, summarised. */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { formatHour, parseHour } from '../../core/importHour';
import { startImport, withClient } from '../../client';
import { followImport } from '../follow';
import { formatSummary } from '../format';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description("run one hour's import through Temporal and print its summary")
    .requiredOption('--hour <hour>', 'the import hour, ISO 8601 (e.g. 2026-11-27T14:00:00Z)')
    .option('--refetch', 'call the sources again even if the hour was landed (replaces its earlier batch)')
    .action(async (options: { hour: string; refetch?: boolean }) => {
      const hour = parseHour(options.hour);
      const config = loadConfig();
      if (options.refetch) {
        console.log(
          `--refetch: the sources are called again; the readings landed earlier for ${formatHour(hour)} are kept but no longer count.`,
        );
      }
      // Followed rather than awaited: the wait survives a Temporal restart and Ctrl-C says what goes on.
      const summary = await withClient(config, async (client) =>
        followImport(await startImport(client, config, hour, { refetch: options.refetch === true }), {
          hour: formatHour(hour),
          address: config.temporal.address,
        }),
      );
      console.log(formatSummary(summary));
    });
}
