/**
 * The activities' dependencies with a span around each call that leaves the process (issue 26):
 * the sources (the partner's HTTP call, the file drop), the landing and backup stores, DuckDB and
 * PostgreSQL. Wrapped here, where the worker builds its dependencies, so that the activities stay
 * as they are. Each span is a child of the activity's span (RunActivity:…), so of the import hour's trace.
 */
import { context, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { Knex } from 'knex';
import type { ActivityDeps } from '../activities';
import type { Analytics } from '../adapters/analytics/duckdb';
import type { Source } from '../adapters/sources/types';
import { endWithError, inSpan, startSpan } from '../adapters/observability/tracing';

export function tracedDeps(deps: ActivityDeps): ActivityDeps {
  traceQueries(deps.db);
  return {
    ...deps,
    sources: deps.sources.map(tracedSource),
    landingStore: tracedMethods(deps.landingStore, 'landing store', { 'store.url': deps.landingStore.url }),
    backupStore: tracedMethods(deps.backupStore, 'backup store', {}),
    analytics: tracedAnalytics(deps.analytics),
  };
}

function tracedSource(source: Source): Source {
  return {
    name: source.name,
    fetch: (...args) =>
      inSpan(
        `${source.name} fetch`,
        { 'temperature.source': source.name },
        () => source.fetch(...args),
        SpanKind.CLIENT,
      ),
    acknowledge: (batch) =>
      inSpan(`${source.name} acknowledge`, { 'temperature.source': source.name }, () =>
        source.acknowledge(batch),
      ),
  };
}

/**
 * `target` whose methods run inside a span `<what> <method>` each when they return a promise
 * (async iterables and plain values pass through). Methods are called on `target` itself, so
 * classes with private state work.
 */
function tracedMethods<T extends object>(target: T, what: string, attributes: Attributes): T {
  return new Proxy(target, {
    get(object, name, receiver) {
      const value: unknown = Reflect.get(object, name, receiver);
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        // Outside an activity (a scrape, the start-up), no span: it would start a trace of its own.
        if (trace.getActiveSpan() === undefined) return method.apply(object, args);
        const span = startSpan(`${what} ${name}`, attributes);
        let result: unknown;
        try {
          result = context.with(trace.setSpan(context.active(), span), () => method.apply(object, args));
        } catch (error) {
          endWithError(span, error);
          throw error;
        }
        if (!isThenable(result)) {
          span.end();
          return result;
        }
        return Promise.resolve(result).then(
          (ok) => {
            span.end();
            return ok;
          },
          (error: unknown) => {
            endWithError(span, error);
            throw error;
          },
        );
      };
    },
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function tracedAnalytics(analytics: Analytics): Analytics {
  return {
    threads: analytics.threads,
    withConnection: (work) =>
      inSpan('duckdb', { 'db.system': 'duckdb' }, () => analytics.withConnection(work), SpanKind.CLIENT),
    close: () => analytics.close(),
  };
}

/**
 * A span per PostgreSQL statement, from knex's query events, inside an activity only (the
 * metrics' scrapes query too, and must not each start a trace). The statement is the SQL text
 * with placeholders: the bound values, which may be data, are not recorded.
 */
function traceQueries(db: Knex): void {
  const open = new Map<string, Span>();
  db.on('query', (query: { __knexQueryUid?: string; sql?: string; method?: string }) => {
    if (query.__knexQueryUid === undefined || trace.getActiveSpan() === undefined) return;
    open.set(
      query.__knexQueryUid,
      startSpan(`postgresql ${query.method ?? 'query'}`, {
        'db.system': 'postgresql',
        'db.statement': query.sql ?? '',
      }),
    );
  });
  const finish = (error: unknown, query: { __knexQueryUid?: string }) => {
    const span = query.__knexQueryUid === undefined ? undefined : open.get(query.__knexQueryUid);
    if (!span) return;
    open.delete(query.__knexQueryUid as string);
    if (error === undefined) span.end();
    else endWithError(span, error);
  };
  db.on('query-response', (_response: unknown, query: { __knexQueryUid?: string }) =>
    finish(undefined, query),
  );
  db.on('query-error', (error: unknown, query: { __knexQueryUid?: string }) => finish(error, query));
}
