/** `tempctl simulate`: the partner API stand-in, for demos and manual testing. */
import type { Command } from 'commander';
import { startSimulator } from '../../sim/server';
import { FAULT_MODES, parseFaults } from '../../sim/faults';

function parseInteger(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name} must be a whole number, got ${text}`);
  return value;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description("run the sensor simulator: the partner API's contract over HTTP, seeded, with fault modes")
    .option('--port <n>', 'port to listen on (0: any free port)', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--seed <n>', 'seed: the same seed gives the same readings call after call', '42')
    .option('--api-key <key>', 'the key clients must send (default: SENSOR_API_KEY, else "dev-key")')
    .option('--faults <list>', `faults for the first calls, in order: ${FAULT_MODES.join(',')}`)
    .option('--per-call <n>', 'readings per answer', '500')
    .action(
      async (options: {
        port: string;
        host: string;
        seed: string;
        apiKey?: string;
        faults?: string;
        perCall: string;
      }) => {
        const simulator = await startSimulator({
          port: parseInteger('--port', options.port),
          host: options.host,
          seed: parseInteger('--seed', options.seed),
          apiKey: options.apiKey ?? process.env.SENSOR_API_KEY ?? 'dev-key',
          faults: parseFaults(options.faults ?? ''),
          readingsPerCall: parseInteger('--per-call', options.perCall),
          onCall: (call) => console.log(`call ${call.call}: ${call.outcome} ${call.status ?? ''}`),
        });
        console.log(`simulator: serving ${simulator.url} (seed ${options.seed}); Ctrl-C to stop`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await simulator.close();
      },
    );
}
