/** `tempctl run --hour H`: one hour's import through Temporal, waited for, summarised. */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { loadConfig, type Config } from '../../config';
import { formatHour, parseHour, workflowIdForHour } from '../../core/importHour';
import { hourlyImport } from '../../workflows/hourlyImport';
import type { ImportSummary } from '../../workflows/summary';
import { connectClient } from '../context';
import { followImport } from '../follow';
import { formatSummary } from '../format';

/**
 * Starts the hour's import, or attaches to the one already running for that hour (one workflow id per
 * hour), and waits for its summary. A finished hour can be run again: that is a rerun.
 */
export async function runImport(
  client: Client,
  config: Pick<Config, 'temporal'>,
  hour: Date,
  options: { refetch?: boolean; trigger?: 'manual' | 'backfill' } = {},
): Promise<ImportSummary> {
  return (await startImport(client, config, hour, options)).result();
}

/** Starts the hour's import, or finds the one running (see runImport), without waiting. */
export async function startImport(
  client: Client,
  config: Pick<Config, 'temporal'>,
  hour: Date,
  options: { refetch?: boolean; trigger?: 'manual' | 'backfill' } = {},
) {
  return client.workflow.start(hourlyImport, {
    workflowId: workflowIdForHour(hour),
    taskQueue: config.temporal.taskQueue,
    args: [
      { hour: formatHour(hour), trigger: options.trigger ?? 'manual', refetch: options.refetch ?? false },
    ],
    // Attach to the hour's running import, except for a refetch: attaching would silently drop it.
    workflowIdConflictPolicy: options.refetch
      ? WorkflowIdConflictPolicy.FAIL
      : WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  });
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description("run one hour's import through Temporal and print its summary")
    .requiredOption('--hour <hour>', 'the import hour, ISO 8601 (e.g. 2026-11-27T14:00:00Z)')
    .option('--refetch', 'call the sources again even if the hour was landed (replaces its earlier batch)')
    .action(async (options: { hour: string; refetch?: boolean }) => {
      const hour = parseHour(options.hour);
      const config = loadConfig();
      const client = await connectClient(config);
      try {
        if (options.refetch) {
          console.log(
            `--refetch: the sources are called again; the readings landed earlier for ${formatHour(hour)} are kept but no longer count.`,
          );
        }
        const handle = await startImport(client, config, hour, { refetch: options.refetch === true });
        const summary = await followImport(handle, {
          hour: formatHour(hour),
          address: config.temporal.address,
        });
        console.log(formatSummary(summary));
      } finally {
        await client.connection.close();
      }
    });
}
