/** tempctl: operate the temperature pipeline. */
import { Command, CommanderError } from 'commander';
import { isConfigError, isPipelineError } from '../core/errors';
import { safeMessage } from '../core/safeText';
import { registerDatabaseCommands } from './commands/database';
import { registerDemoCommand } from './commands/demo';
import { registerRegionsCommands } from './commands/regions';
import { registerRecoveryCommands } from './commands/recovery';
import { registerRunCommand } from './commands/run';
import { registerScheduleCommands } from './commands/schedule';
import { registerSimulateCommand } from './commands/simulate';
import { registerWorkerCommand } from './commands/worker';

export function buildProgram(): Command {
  const program = new Command('tempctl')
    .description('Hourly temperature pipeline: import, schedule, query and operate it')
    .showHelpAfterError()
    .exitOverride();
  registerDemoCommand(program);
  registerWorkerCommand(program);
  registerRunCommand(program);
  registerScheduleCommands(program);
  registerDatabaseCommands(program);
  registerRecoveryCommands(program);
  registerSimulateCommand(program);
  registerRegionsCommands(program);
  return program;
}

/** The deepest message of an error chain: a failed workflow's cause says what actually went wrong. */
export function rootMessage(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  while (current instanceof Error && messages.length < 5) {
    messages.push(current.message);
    current = (current as { cause?: unknown }).cause;
  }
  return messages.length === 0 ? String(error) : (messages[messages.length - 1] ?? '');
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (isConfigError(error)) {
      console.error(`tempctl: configuration error: ${safeMessage(error.message)}`);
      return 2;
    }
    const detail = isPipelineError(error) ? error.message : rootMessage(error);
    console.error(`tempctl: failed: ${safeMessage(detail)}`);
    return 1;
  }
}
