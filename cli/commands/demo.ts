/**
 * `tempctl demo [--once]`: the whole pipeline on one machine with nothing but Node.js and Python:
 * a Temporal dev server (unless one answers at TEMPORAL_ADDRESS), the sensor simulator (unless
 * SENSOR_API_URL is set), the worker and the schedule; the current hour is imported at once and
 * printed, then the schedule imports every hour until Ctrl-C.
 *
 * Simulated history: with the simulator, the 3 hours before are imported first, so that the
 * three-hours-before query answers on a first run. The simulator serves only the present, like the
 * partner, so the demo sets one clock back for those imports, the simulator's and the worker's
 * (`now`, read by the fetch decision): each past hour is fetched "during" that hour, with readings
 * measured then. Labelled as such in the output; never done against a real SENSOR_API_URL.
 */
import path from 'node:path';
import fs from 'node:fs';
import type { Command } from 'commander';
import { loadConfig, PROJECT_ROOT } from '../../config';
import { describeTarget } from '../../adapters/db/connection';
import { threeHoursBefore } from '../../adapters/db/queries';
import { isTemporalReachable, startDevServer, type DevServer } from '../../adapters/temporal/devServer';
import { addHours, formatHour, truncateToHour } from '../../core/importHour';
import { startSimulator, type RunningSimulator } from '../../sim/server';
import { buildRuntime } from '../../worker/runtime';
import { connectWorker, installWorkerRuntime } from '../../worker';
import { applySchedule, connectClient, runImport } from '../../client';
import { formatSummary, formatThreeHoursBefore } from '../format';
import { createWorkerWithOps } from '../../worker/ops';
import { loggerFor } from '../../adapters/observability/logger';
import { startTracing } from '../../adapters/observability/tracing';
import { DEFAULT_PAGE_HOST, DEFAULT_PAGE_PORT, servePage } from './page';

const DEMO_API_KEY = 'demo-key';
const DEMO_SEED = 42;
const HISTORY_HOURS = 3;
/** Where in a past hour the clock stands while it is imported as simulated history. */
const HISTORY_MINUTE_MS = 30 * 60_000;

/** The demo's clock: the system's, or a past instant while simulated history is imported. */
function demoClock(): { now: () => Date; setBack(to: Date | undefined): void } {
  let fixed: Date | undefined;
  return {
    now: () => fixed ?? new Date(),
    setBack: (to) => {
      fixed = to;
    },
  };
}

async function ensureTemporal(address: string): Promise<DevServer | undefined> {
  if (await isTemporalReachable(address)) {
    console.log(`temporal: using the server at ${address}`);
    return undefined;
  }
  const port = Number(address.split(':').pop());
  const stateDir = path.join(PROJECT_ROOT, '.data', 'temporal');
  fs.mkdirSync(stateDir, { recursive: true });
  console.log(`temporal: starting the dev server on ${address} (state in .data/temporal)…`);
  const server = await startDevServer({
    port,
    uiPort: port + 1000,
    dbFilename: path.join(stateDir, 'dev.db'),
    readyTimeoutMs: 120_000,
  });
  console.log(`temporal: UI at ${server.uiUrl}`);
  return server;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run the whole pipeline locally: dev server, simulator, worker, schedule; import now, then hourly',
    )
    .option('--once', 'exit after the first import')
    .action(async (options: { once?: boolean }) => {
      let config = loadConfig();
      const clock = demoClock();
      const stack: (() => Promise<void>)[] = [];
      const cleanUp = async () => {
        for (const close of stack.reverse()) await close().catch(() => undefined);
      };
      try {
        const server = await ensureTemporal(config.temporal.address);
        if (server) stack.push(() => server.stop());

        let simulator: RunningSimulator | undefined;
        if (config.partnerApi === undefined) {
          simulator = await startSimulator({ seed: DEMO_SEED, apiKey: DEMO_API_KEY, now: clock.now });
          stack.push(() => simulator!.close());
          config = loadConfig({
            ...process.env,
            SENSOR_API_URL: simulator.url,
            SENSOR_API_KEY: DEMO_API_KEY,
          });
          console.log(`simulator: partner API stand-in at ${simulator.url} (seed ${DEMO_SEED})`);
        }

        // Readable lines unless LOG_FORMAT says otherwise: the demo is watched by a person. Made
        // once the configuration is final, so the simulator's key is among the masked secrets.
        const logger = loggerFor(config, { forPerson: true });
        installWorkerRuntime(config, logger);
        const tracing = startTracing(config.observability.tracing);
        stack.push(() => tracing.shutdown());
        const runtime = await buildRuntime(config, { now: clock.now });
        stack.push(() => runtime.close());
        console.log(`database: ${describeTarget(config.database)}`);
        const connection = await connectWorker(config);
        stack.push(() => connection.close());
        // Metrics and health on METRICS_PORT, or a free port: the demo always shows them.
        const { worker, ops } = await createWorkerWithOps({
          config,
          runtime,
          connection,
          logger,
          metricsPort: config.observability.metricsPort ?? 0,
          tracing,
        });
        const running = worker.run();
        stack.push(() => ops.close());
        console.log(`metrics: ${ops.url}/metrics (health: ${ops.url}/healthz, ${ops.url}/readyz)`);
        stack.push(async () => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
        });

        const client = await connectClient(config);
        stack.push(() => client.connection.close());

        // The page reads through the demo's own database handle: PGlite lets only one process open it.
        // Links to runs go to the UI of the dev server the demo started, wherever its port is.
        const pageConfig = server
          ? { ...config, temporal: { ...config.temporal, uiUrl: server.uiUrl } }
          : config;
        const page = await servePage(runtime.deps.db, pageConfig, {
          host: DEFAULT_PAGE_HOST,
          port: DEFAULT_PAGE_PORT,
        }).catch(() => servePage(runtime.deps.db, pageConfig, { host: DEFAULT_PAGE_HOST, port: 0 }));
        stack.push(() => page.close());
        console.log(`page: ${page.url} (map, series, run health; read-only)`);

        const hour = truncateToHour(new Date());
        if (simulator) {
          console.log(
            `\nsimulated history: importing the ${HISTORY_HOURS} hours before ${formatHour(hour)} from the simulator's readings for those hours (the demo sets its clock back for them; a real partner serves only the present)…`,
          );
          for (let back = HISTORY_HOURS; back >= 1; back -= 1) {
            const past = addHours(hour, -back);
            clock.setBack(new Date(past.getTime() + HISTORY_MINUTE_MS));
            try {
              const summary = await runImport(client, config, past);
              console.log(
                `  ${formatHour(past)}  ${summary.status}, ${summary.totals.counted} readings  (simulated history)`,
              );
            } finally {
              clock.setBack(undefined);
            }
          }
        }
        // Applied once the clock is the system's again: a scheduled run always sees the present.
        console.log(`schedule: ${await applySchedule(client, config)} (hourly at minute 0 UTC)`);

        console.log(`\nimporting ${formatHour(hour)} now…\n`);
        console.log(formatSummary(await runImport(client, config, hour)));
        console.log(
          simulator
            ? `\nTemperature and temperature 3 hours before (last 6 hours; hours before ${formatHour(hour)} are simulated history):\n`
            : '\nTemperature and temperature 3 hours before (last 6 hours):\n',
        );
        console.log(
          formatThreeHoursBefore(
            await threeHoursBefore(runtime.deps.db, { from: addHours(hour, -5), to: hour }),
          ),
        );

        if (options.once) return;
        console.log(`\nThe page: ${page.url}`);
        console.log('The schedule imports every hour at minute 0 UTC. Ctrl-C to stop.');
        await running;
      } finally {
        await cleanUp();
      }
    });
}
