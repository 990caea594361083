/** tempctl: operate the temperature pipeline. */
import { Command, CommanderError } from 'commander';
import { deepestMessage, isConfigError, isPipelineError } from '../core/errors';
import { carriedOrigin } from '../core/failureOrigin';
import { safeMessage } from '../core/safeText';
import { registerAnswerCommand } from './commands/answer';
import { registerBackfillCommand } from './commands/backfill';
import { registerBackupCommands } from './commands/backup';
import { registerDemoCommand } from './commands/demo';
import { registerPageCommands } from './commands/page';
import { registerRegionsCommands } from './commands/regions';
import { registerMigrateCommand } from './commands/migrate';
import { registerQueryCommand } from './commands/query';
import { registerRestoreCommand } from './commands/restore';
import { registerRunCommand } from './commands/run';
import { registerScheduleCommands } from './commands/schedule';
import { registerSimulateCommand } from './commands/simulate';
import { registerStatusCommand } from './commands/status';
import { registerRolesCommands } from './commands/roles';
import { registerWorkerCommand } from './commands/worker';
import { registerVersionsCommands } from './commands/versions';
import { registerUnrecordedCommand } from './commands/unrecorded';

export function buildProgram(): Command {
  const program = new Command('tempctl')
    .description('Hourly temperature pipeline: import, schedule, query and operate it')
    .showHelpAfterError()
    .exitOverride();
  registerDemoCommand(program);
  registerWorkerCommand(program);
  registerRunCommand(program);
  registerStatusCommand(program);
  registerScheduleCommands(program);
  registerMigrateCommand(program);
  registerQueryCommand(program);
  registerBackfillCommand(program);
  registerAnswerCommand(program);
  registerUnrecordedCommand(program);
  registerBackupCommands(program);
  registerRestoreCommand(program);
  registerRolesCommands(program);
  registerSimulateCommand(program);
  registerRegionsCommands(program);
  registerPageCommands(program);
  registerVersionsCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    // A command whose outcome is its exit code (status) sets it; the others succeeded.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isConfigError(error)) {
      console.error(`tempctl: configuration error: ${safeMessage(error.message)}`);
      return 2;
    }
    const detail = isPipelineError(error) ? error.message : deepestMessage(error);
    console.error(`tempctl: failed: ${safeMessage(detail)}`);
    // The part that failed, read from the failure's type and details, never from its text.
    const origin = carriedOrigin(error);
    if (origin !== undefined)
      console.error(`tempctl: the part that failed: ${origin.component}; check ${origin.setting}`);
    return 1;
  }
}
