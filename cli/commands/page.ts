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
import { loadPageModel } from '../../page/model';
import { loadMapRegions } from '../../page/regions';
import { renderDocument } from '../../page/render/document';
import { startPageServer, type PageServer } from '../../page/server';

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
export function servePage(
  db: Knex,
  config: Config,
  address: { host: string; port: number },
): Promise<PageServer> {
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
