/**
 * The embedded analytical engine (DuckDB, `@duckdb/node-api`): one instance per worker process,
 * one connection per activity (temporary tables are per connection, so activities never meet).
 * Parquet and JSON are built into the package; nothing is downloaded (no httpfs: objects in S3 are
 * fetched to a local file by the store first).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface AnalyticsSettings {
  /** DuckDB's memory limit, MB: it spills to `tempDir` beyond it. */
  memoryLimitMb: number;
  /** Worker threads DuckDB may use. */
  threads: number;
  tempDir: string;
}

export interface Analytics {
  /** DuckDB's threads: how many files it reads at once. */
  readonly threads: number;
  /** Runs `work` on a fresh connection, closed afterwards whatever happens. */
  withConnection<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T>;
  close(): void;
}

export async function openAnalytics(settings: AnalyticsSettings): Promise<Analytics> {
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: `${settings.memoryLimitMb}MB`,
    threads: String(settings.threads),
    temp_directory: settings.tempDir,
    // Rows keep the order of the file they came from: record ordinals are positions in the body.
    preserve_insertion_order: 'true',
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  return {
    threads: settings.threads,
    async withConnection(work) {
      const conn = await instance.connect();
      try {
        // Timestamps are UTC everywhere (an ICU setting, so per connection, not at creation).
        await conn.run(`SET TimeZone = 'UTC'`);
        return await work(conn);
      } finally {
        conn.closeSync();
      }
    },
    close: () => instance.closeSync(),
  };
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A UTC instant as a SQL TIMESTAMPTZ literal. */
export function sqlInstant(instant: Date): string {
  return `CAST(${sqlString(instant.toISOString())} AS TIMESTAMPTZ)`;
}

/** A list of local paths for read_parquet / read_json. */
export function sqlPaths(paths: readonly string[]): string {
  return `[${paths.map(sqlString).join(', ')}]`;
}

/** The rows of a query as plain objects (for small results only). */
export async function queryRows<T>(conn: DuckDBConnection, sql: string): Promise<T[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJS() as T[];
}
