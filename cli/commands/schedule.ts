/** `tempctl schedule apply|describe|pause|unpause|trigger`: the hourly Temporal Schedule. */
import type { Command } from 'commander';
import { loadConfig } from '../../config';
import { applySchedule, scheduleHandle, SCHEDULE_ID } from '../../client/schedule';
import { connectClient } from '../context';
import type { Client } from '@temporalio/client';

async function withClient(work: (client: Client) => Promise<void>): Promise<void> {
  const client = await connectClient(loadConfig());
  try {
    await work(client);
  } finally {
    await client.connection.close();
  }
}

export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description(`the hourly Temporal Schedule "${SCHEDULE_ID}"`);

  schedule
    .command('apply')
    .description('create the schedule, or update it to match this version (no-op when it already does)')
    .action(() =>
      withClient(async (client) => {
        const outcome = await applySchedule(client, loadConfig());
        console.log(`schedule ${SCHEDULE_ID}: ${outcome}`);
      }),
    );

  schedule
    .command('describe')
    .description('show the schedule: state, next runs, recent runs')
    .action(() =>
      withClient(async (client) => {
        const d = await scheduleHandle(client).describe();
        console.log(
          `schedule ${SCHEDULE_ID}: ${d.state.paused ? `PAUSED (${d.state.note ?? ''})` : 'active'}`,
        );
        console.log(
          `overlap ${d.policies.overlap}, catch-up window ${d.policies.catchupWindow / 60_000} min`,
        );
        console.log(
          `next runs: ${d.info.nextActionTimes
            .slice(0, 3)
            .map((t) => t.toISOString())
            .join(', ')}`,
        );
        for (const action of d.info.recentActions.slice(-5)) {
          const wf =
            action.action.type === 'startWorkflow' ? action.action.workflow.workflowId : action.action.type;
          console.log(`recent: scheduled ${action.scheduledAt.toISOString()} → ${wf}`);
        }
      }),
    );

  schedule
    .command('pause')
    .option('--note <text>', 'why, shown in describe and the UI', 'paused with tempctl')
    .action((options: { note: string }) =>
      withClient(async (client) => {
        await scheduleHandle(client).pause(options.note);
        console.log(`schedule ${SCHEDULE_ID}: paused`);
      }),
    );

  schedule
    .command('unpause')
    .option('--note <text>', 'why', 'unpaused with tempctl')
    .action((options: { note: string }) =>
      withClient(async (client) => {
        await scheduleHandle(client).unpause(options.note);
        console.log(`schedule ${SCHEDULE_ID}: active`);
      }),
    );

  schedule
    .command('trigger')
    .description('start an import now, as the schedule would (its hour is the current hour)')
    .action(() =>
      withClient(async (client) => {
        await scheduleHandle(client).trigger();
        console.log(`schedule ${SCHEDULE_ID}: triggered`);
      }),
    );
}
