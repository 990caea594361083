/**
 * `tempctl serve` (the read-only page and JSON API) and `tempctl report` (the same map and tables
 * as one self-contained HTML file). Both read the database; neither writes to it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Knex } from 'knex';
import { loadConfig, type Config } from '../../config';
import { createDatabase, describeTarget } from '../../adapters/db/connection';
import { parseHour } from '../../core/importHour';
import type { PageServer } from '../../page/server';

// The page's modules use d3, which ships ES modules only. They are required when a command needs
// them, so that importing the CLI (the tests do, under jest's CommonJS) never loads d3. (A dynamic
// import() would go through Node's ES module loader, which does not run TypeScript here.)
type PageModules = typeof import('../../page/model') &
  typeof import('../../page/regions') &
  typeof import('../../page/render/document') &
  typeof import('../../page/server');
function pageModules(): PageModules {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    ...(require('../../page/model') as typeof import('../../page/model')),
    ...(require('../../page/regions') as typeof import('../../page/regions')),
    ...(require('../../page/render/document') as typeof import('../../page/render/document')),
    ...(require('../../page/server') as typeof import('../../page/server')),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

export const DEFAULT_PAGE_HOST = '127.0.0.1';
export const DEFAULT_PAGE_PORT = 8300;

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new RangeError(
      `--port ${JSON.stringify(text)} is not a port number (0..65535; 0 picks a free one)`,
    );
  return port;
}

/** Serves the page from an open database (the demo passes its own handle: PGlite allows one process). */
export async function servePage(
  db: Knex,
  config: Config,
  address: { host: string; port: number },
): Promise<PageServer> {
  const { startPageServer } = pageModules();
  return startPageServer({
    db,
    host: address.host,
    port: address.port,
    temporal: { uiUrl: config.temporal.uiUrl, namespace: config.temporal.namespace },
  });
}

/** Writes the report for `hour` (default: the newest hour) to `out`; returns the path written. */
export async function writeReport(
  db: Knex,
  config: Config,
  hour: Date | undefined,
  out: string,
): Promise<string> {
  const { loadPageModel, loadMapRegions, renderDocument } = pageModules();
  const model = await loadPageModel(db, {
    hour,
    temporal: { uiUrl: config.temporal.uiUrl, namespace: config.temporal.namespace },
  });
  const file = path.resolve(out);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, renderDocument(model, loadMapRegions(), 'report'));
  return file;
}

export function registerPageCommands(program: Command): void {
  program
    .command('serve')
    .description('serve the read-only page (regions map, series, run health) and its JSON API')
    .option('--host <host>', 'address to listen on (loopback by default)', DEFAULT_PAGE_HOST)
    .option('--port <port>', 'port (0: any free one)', String(DEFAULT_PAGE_PORT))
    .action(async (options: { host: string; port: string }) => {
      const config = loadConfig();
      const port = parsePort(options.port);
      const db = createDatabase(config.database);
      const server = await servePage(db, config, { host: options.host, port }).catch(
        async (error: unknown) => {
          await db.destroy();
          throw error;
        },
      );
      console.log(`page: ${server.url} (reading ${describeTarget(config.database)}; Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await db.destroy();
    });

  program
    .command('report')
    .description('write the map and tables of an hour as one self-contained HTML file')
    .option('--hour <hour>', 'the hour, ISO 8601 (default: the newest hour)')
    .requiredOption('--out <file>', 'the HTML file to write')
    .action(async (options: { hour?: string; out: string }) => {
      const config = loadConfig();
      const hour = options.hour === undefined ? undefined : parseHour(options.hour);
      const db = createDatabase(config.database);
      try {
        console.log(`report: ${await writeReport(db, config, hour, options.out)}`);
      } finally {
        await db.destroy();
      }
    });
}
