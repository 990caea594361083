/**
 * `tempctl simulate`: the partner API stand-in, for the demo and for trying faults by hand.
 * Prints where it listens and one line per call; never the key (only where it came from).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { HOUR_MS } from '../../core/importHour';
import { FAULT_MODES, parseFaults, type FaultMode } from '../../sim/faults';
import { startSimulator, type ServedCall } from '../../sim/server';

function integer(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`expected a whole number in ${min}..${max}`);
    }
    return value;
  };
}

function faults(text: string): FaultMode[] {
  try {
    return parseFaults(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

interface SimulateOptions {
  port: number;
  host: string;
  seed: number;
  apiKey?: string;
  faults: FaultMode[];
  perCall: number;
  slowMs: number;
  retryAfter: string;
  chunked: boolean;
  quiet: boolean;
}

function describeCall(call: ServedCall): string {
  const status = call.status === null ? 'no answer' : `HTTP ${call.status}`;
  const data =
    call.dataIndex === null ? '' : `, data #${call.dataIndex}: ${call.records?.length ?? 0} records`;
  return `call ${call.call}: ${call.outcome} (${status}${data})`;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description("run the sensor simulator: the partner API's contract over HTTP, seeded, with fault modes")
    .option('--port <n>', 'port to listen on (0: any free port)', integer(0, 65535), 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--seed <n>',
      'seed: the same seed gives the same readings, call after call',
      integer(0, 2 ** 53),
      42,
    )
    .option('--api-key <key>', 'the key clients must send (default: SENSOR_API_KEY, else "dev-key")')
    .option('--faults <list>', `faults for the first calls, in order: ${FAULT_MODES.join(',')}`, faults, [])
    .option('--per-call <n>', 'readings per answer', integer(0, 1_000_000), 500)
    .option('--slow-ms <n>', 'how long a "slow" call waits before answering', integer(0, HOUR_MS), 35_000)
    .option('--retry-after <value>', 'Retry-After sent with 429 and 503 (seconds or an HTTP date)', '1')
    .option('--chunked', 'answer without Content-Length (chunked transfer encoding)', false)
    .option('--quiet', 'do not print a line per call', false)
    .action(async (options: SimulateOptions) => {
      const envKey = process.env.SENSOR_API_KEY?.trim();
      const [apiKey, keyOrigin] =
        options.apiKey !== undefined
          ? [options.apiKey, '--api-key']
          : envKey
            ? [envKey, 'SENSOR_API_KEY']
            : ['dev-key', 'the built-in default'];
      const simulator = await startSimulator({
        port: options.port,
        host: options.host,
        seed: options.seed,
        apiKey,
        faults: options.faults,
        readingsPerCall: options.perCall,
        slowMs: options.slowMs,
        retryAfter: options.retryAfter,
        chunked: options.chunked,
        onCall: options.quiet ? undefined : (call) => console.log(describeCall(call)),
      });
      const faultText = options.faults.length === 0 ? '' : `, faults ${options.faults.join(',')}`;
      console.log(
        `simulator: serving ${simulator.url} (seed ${options.seed}, ${options.perCall} readings per call${faultText}; ` +
          `key from ${keyOrigin}); Ctrl-C to stop`,
      );
      console.log(`  use it with: SENSOR_API_URL=${simulator.url}`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      await simulator.close();
      console.log(`simulator: stopped (${signal}) after ${simulator.calls} calls`);
    });
}
