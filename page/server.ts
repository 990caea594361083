/**
 * `tempctl serve`: the read-only page and its JSON API over HTTP (fastify). Everything the browser
 * loads comes from here: the HTML (map and charts drawn on the server), its inline CSS and one
 * script bundled by esbuild at start. A Content-Security-Policy of 'self' makes the browser refuse
 * anything else. Only GET (and HEAD) routes exist: nothing here writes to the database.
 *
 * API (docs/page.md): rows are returned as the database holds them, timestamps as ISO 8601 UTC.
 *   GET /api                         the list of endpoints
 *   GET /api/hours?limit=N           hours with rows or runs, newest first: regions with a row, newest run's status
 *   GET /api/hours/:hour             the hour's rows: region, temperature, numberOfPoints, temperature3HoursBefore
 *   GET /api/regions/:region/series?to=H&hours=N   one region's stored rows from H-(N-1) to H (absent hours are absent)
 *   GET /api/runs?limit=N            the newest rows of the run ledger import_runs
 *   GET /api/quarantine?limit=N      the newest quarantined records
 */
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Knex } from 'knex';
import { hourRows, listHours, recentQuarantine, recentRuns, rowsBetween } from '../adapters/db/page';
import { addHours, parseHour } from '../core/importHour';
import { loadPageModel, PICKER_HOURS, SERIES_HOURS, type TemporalLink } from './model';
import { loadMapRegions, type MapRegion } from './regions';
import { renderDocument, SCRIPT_PATH } from './render/document';

export interface PageServerOptions {
  db: Knex;
  temporal: TemporalLink;
  host: string;
  /** 0: any free port. */
  port: number;
  regions?: MapRegion[];
}

export interface PageServer {
  /** e.g. http://127.0.0.1:8300/ */
  url: string;
  close(): Promise<void>;
}

const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The client script as the built app ships it (scripts/build.mjs writes it next to this file). */
export const CLIENT_SCRIPT_FILE = 'client.js';

/**
 * The client script, bundled once (a few kB): TypeScript to one ES module, no third-party code.
 * `pageDir` holds `client/main.ts`; in the built app, which has no sources, the bundle it shipped.
 */
export async function bundleClientScript(pageDir: string = __dirname): Promise<string> {
  const built = path.join(pageDir, CLIENT_SCRIPT_FILE);
  if (fs.existsSync(built)) return fs.promises.readFile(built, 'utf8');
  const result = await esbuild.build({
    entryPoints: [path.join(pageDir, 'client/main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2020',
    minify: true,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no client script');
  return output.text;
}

const limit = (fallback: number, maximum: number) => ({
  type: 'integer',
  minimum: 1,
  maximum,
  default: fallback,
});

class BadRequest extends Error {}

function hourFrom(text: string | undefined): Date | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    return parseHour(text);
  } catch (error) {
    throw new BadRequest((error as Error).message);
  }
}

export function buildPageApp(
  options: Omit<PageServerOptions, 'host' | 'port'> & { script: string },
): FastifyInstance {
  const { db, temporal } = options;
  const regions = options.regions ?? loadMapRegions();
  const regionNames = new Set(regions.map((r) => r.name));
  const app = Fastify({ logger: false });

  app.addHook('onSend', async (_request, reply: FastifyReply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });
  app.setErrorHandler((error, _request, reply) => {
    const status = error instanceof BadRequest || (error as { validation?: unknown }).validation ? 400 : 500;
    void reply.status(status).send({ error: error instanceof Error ? error.message : String(error) });
  });

  app.get<{ Querystring: { hour?: string } }>('/', async (request, reply) => {
    const model = await loadPageModel(db, { hour: hourFrom(request.query.hour), temporal });
    return reply.type('text/html; charset=utf-8').send(renderDocument(model, regions, 'page'));
  });
  app.get(SCRIPT_PATH, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(options.script),
  );

  app.get('/api', () => ({
    endpoints: {
      '/api/hours?limit=N': 'hours with rows or runs, newest first (limit 1..336, default 48)',
      '/api/hours/:hour': "the hour's rows of region_hourly_temperature with temperature3HoursBefore",
      '/api/regions/:region/series?to=H&hours=N':
        "one region's stored rows from H-(N-1) to H (N 1..720, default 48; H default the newest hour)",
      '/api/runs?limit=N': 'the newest rows of import_runs (limit 1..500, default 20)',
      '/api/quarantine?limit=N': 'the newest quarantined records (limit 1..500, default 20)',
    },
    documentation: 'docs/page.md',
  }));
  app.get<{ Querystring: { limit: number } }>(
    '/api/hours',
    { schema: { querystring: { type: 'object', properties: { limit: limit(48, PICKER_HOURS) } } } },
    async (request) => ({ hours: await listHours(db, request.query.limit) }),
  );
  app.get<{ Params: { hour: string } }>('/api/hours/:hour', async (request) => {
    const hour = hourFrom(request.params.hour);
    if (hour === undefined) throw new BadRequest('an hour is required');
    return { hour, rows: await hourRows(db, hour) };
  });
  app.get<{ Params: { region: string }; Querystring: { to?: string; hours: number } }>(
    '/api/regions/:region/series',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { to: { type: 'string' }, hours: limit(SERIES_HOURS, 720) },
        },
      },
    },
    async (request, reply) => {
      const { region } = request.params;
      if (!regionNames.has(region))
        return reply
          .status(404)
          .send({ error: `unknown region "${region}" (known: ${[...regionNames].join(', ')})` });
      const to = hourFrom(request.query.to) ?? (await listHours(db, 1))[0]?.hour;
      if (to === undefined) return { region, from: null, to: null, rows: [] };
      const from = addHours(to, -(request.query.hours - 1));
      return {
        region,
        from,
        to,
        rows: await rowsBetween(db, from, to, region),
      };
    },
  );
  app.get<{ Querystring: { limit: number } }>(
    '/api/runs',
    { schema: { querystring: { type: 'object', properties: { limit: limit(20, 500) } } } },
    async (request) => ({ runs: await recentRuns(db, request.query.limit) }),
  );
  app.get<{ Querystring: { limit: number } }>(
    '/api/quarantine',
    { schema: { querystring: { type: 'object', properties: { limit: limit(20, 500) } } } },
    async (request) => ({ quarantine: await recentQuarantine(db, request.query.limit) }),
  );
  return app;
}

/** Starts the server; `url` is where it listens (an IPv6 host is bracketed). */
export async function startPageServer(options: PageServerOptions): Promise<PageServer> {
  const app = buildPageApp({ ...options, script: await bundleClientScript() });
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { url: `http://${host}:${port}/`, close: () => app.close() };
}
