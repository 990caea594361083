/** `tempctl schedule apply|describe|pause|unpause|trigger`: the hourly Temporal Schedule. */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import {
  applySchedule,
  describeSchedule,
  pauseSchedule,
  triggerSchedule,
  unpauseSchedule,
  withClient,
  SCHEDULE_ID,
} from '../../client';

function onSchedule(work: (client: Client) => Promise<string>): () => Promise<void> {
  return async () => console.log(`schedule ${SCHEDULE_ID}: ${await withClient(loadConfig(), work)}`);
}

export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description(`the hourly Temporal Schedule "${SCHEDULE_ID}"`);

  schedule
    .command('apply')
    .description('create the schedule, or update it to match this version (no-op when it already does)')
    .action(onSchedule((client) => applySchedule(client, loadConfig())));

  schedule
    .command('describe')
    .description('show the schedule: state, next runs, recent runs')
    .action(
      onSchedule(async (client) => {
        const s = await describeSchedule(client);
        return [
          s.paused ? `PAUSED (${s.note ?? ''})` : 'active',
          `overlap ${s.overlap}, catch-up window ${s.catchupWindowMs / 60_000} min`,
          `next runs: ${s.nextRuns
            .slice(0, 3)
            .map((t) => t.toISOString())
            .join(', ')}`,
          ...s.recentRuns
            .slice(-5)
            .map((r) => `recent: scheduled ${r.scheduledAt.toISOString()} → ${r.workflowId}`),
        ].join('\n');
      }),
    );

  schedule
    .command('pause')
    .description('stop starting imports until unpaused')
    .option('--note <text>', 'why, shown in describe and the UI', 'paused with tempctl')
    .action((options: { note: string }) =>
      onSchedule(async (client) => {
        await pauseSchedule(client, options.note);
        return 'paused';
      })(),
    );

  schedule
    .command('unpause')
    .description('start importing every hour again')
    .option('--note <text>', 'why', 'unpaused with tempctl')
    .action((options: { note: string }) =>
      onSchedule(async (client) => {
        await unpauseSchedule(client, options.note);
        return 'active';
      })(),
    );

  schedule
    .command('trigger')
    .description('start an import now, as the schedule would (its hour is the current hour)')
    .action(
      onSchedule(async (client) => {
        await triggerSchedule(client);
        return 'triggered';
      }),
    );
}
