/**
 * The worker's HTTP endpoints on METRICS_PORT: `/metrics` (Prometheus text format, the state gauges
 * read from the database first), `/healthz` (the process answers) and `/readyz` (the worker polls,
 * and Temporal and the database answer now). Probes of the compose file and Kubernetes use them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../adapters/observability/logger';
import type { PipelineMetrics } from './metrics';

/** A named readiness check: resolves when ready, throws (with a message saying why) when not. */
export type ReadinessCheck = [name: string, check: () => Promise<void>];

export interface OpsServerOptions {
  port: number;
  host?: string;
  metrics: PipelineMetrics;
  /** Refreshes the state gauges before a scrape. */
  refreshState: () => Promise<void>;
  readiness: ReadinessCheck[];
  logger: Logger;
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 3_000;

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const reply = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (request.method !== 'GET') return reply(405, 'text/plain', 'GET only\n');
    if (path === '/healthz') return reply(200, 'text/plain', 'ok\n');
    if (path === '/readyz') {
      void readiness(options.readiness).then((result) =>
        reply(result.ready ? 200 : 503, 'application/json', JSON.stringify(result) + '\n'),
      );
      return;
    }
    if (path === '/metrics') {
      void (async () => {
        try {
          await options.refreshState();
        } catch (error) {
          // The event metrics are still worth scraping: the state gauges keep their last values.
          options.logger.warn({ err: error }, 'metrics: reading the pipeline state failed');
        }
        try {
          reply(200, options.metrics.registry.contentType, await options.metrics.registry.metrics());
        } catch (error) {
          options.logger.error({ err: error }, 'metrics: rendering failed');
          reply(500, 'text/plain', 'metrics unavailable\n');
        }
      })();
      return;
    }
    reply(404, 'text/plain', 'not found: /metrics, /healthz, /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host === undefined || options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readiness(
  checks: ReadinessCheck[],
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const results = await Promise.all(
    checks.map(async ([name, check]): Promise<[string, string]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
              CHECK_TIMEOUT_MS,
            );
          }),
        ]);
        return [name, 'ok'];
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every(([, result]) => result === 'ok'), checks: Object.fromEntries(results) };
}
