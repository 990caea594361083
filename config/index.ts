/**
 * All configuration, read once from the environment, validated and typed. A missing or invalid
 * setting stops the program at start with a ConfigError naming every bad setting.
 * The README's configuration table documents each variable read here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors';
import {
  CHECK_ACTIONS,
  CORRECTION_STRATEGIES,
  SOURCE_FAILURE_POLICIES,
  PAGING_MODES,
  PARTNER_API_SOURCE,
  SOURCE_NAMES,
  isSourceName,
  type SourceName,
  type PagingMode,
  type CheckAction,
  type CorrectionStrategy,
  type SourceFailurePolicy,
} from '../core/policies';
import { parseStoreLocation } from '../core/storeLocation';
import { DEFAULT_PARTS_CONCURRENCY } from '../core/parts';
import type { BucketSettings } from '../core/bucket';
import {
  DEFAULT_LIMITS,
  parseTimestamp,
  STORABLE_TIMESTAMP_MAX,
  STORABLE_TIMESTAMP_MIN,
} from '../core/reading';
import { Secret } from './secret';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

export type { CheckAction, CorrectionStrategy, SourceFailurePolicy } from '../core/policies';

export interface PartnerApiConfig {
  url: string;
  apiKey: Secret;
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  maxResponseBytes: number;
  maxRetryAfterMs: number;
  /** SENSOR_API_PAGING, SENSOR_API_PAGE_SIZE (readings a page): how an hour is delivered; absent: one answer. */
  paging?: { mode: PagingMode; pageSize: number };
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'pretty';

/** TLS towards the Temporal frontend; file paths, read when connecting. */
export interface TemporalTlsConfig {
  caFile: string | undefined;
  certFile: string | undefined;
  keyFile: string | undefined;
  serverName: string | undefined;
}

/** What connecting to Temporal needs (the client, the worker): everything but the UI's address. */
export type TemporalConnectionConfig = Omit<TemporalConfig, 'uiUrl'>;

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /** The Temporal Web UI, for links to runs (the page's run health). */
  uiUrl: string;
  /** Absent: plain gRPC (the dev server). */
  tls?: TemporalTlsConfig;
  /** Temporal Cloud API key (sent as a bearer token; implies TLS). */
  apiKey?: Secret;
}

export interface ObservabilityConfig {
  logLevel: LogLevel;
  /** Absent: readable lines on a terminal and in the demo, JSON lines otherwise. */
  logFormat: LogFormat | undefined;
  /** The worker's HTTP port for /metrics, /healthz and /readyz; absent: no HTTP server. */
  metricsPort: number | undefined;
  /** The Temporal SDK's own Prometheus exporter (Core's worker and client metrics); absent: off. */
  temporalMetricsPort: number | undefined;
  /**
   * OpenTelemetry traces over OTLP/HTTP (adapters/observability/tracing.ts): on when an endpoint
   * is set and OTEL_SDK_DISABLED is not `true`. The SDK reads the other standard OTEL_* settings
   * itself (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, OTEL_TRACES_SAMPLER, OTEL_BSP_*, OTEL_RESOURCE_ATTRIBUTES).
   */
  tracing: { endpoint: string | undefined; serviceName: string };
}

/**
 * How to reach an S3-compatible server when a store URL is `s3://…`. Without keys, the AWS SDK's
 * default credential chain applies (instance role, AWS_* variables, ~/.aws).
 */
export interface S3Settings {
  /** `http(s)://host:port` of an S3-compatible server (SeaweedFS, MinIO); undefined means AWS. */
  endpoint: string | undefined;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: Secret } | undefined;
  /** Bucket in the path (`host/bucket/key`) rather than the host name: what most non-AWS servers need. */
  forcePathStyle: boolean;
  /**
   * S3_TIMEOUT_MS: how long one S3 request may wait to connect, and then between two chunks of its
   * answer or upload (ms); default 30 s. A store that accepts and never answers fails, never hangs.
   */
  timeoutMs?: number;
}

export interface Config {
  database: {
    url: string | undefined;
    pgliteDir: string;
    /** PostgreSQL only: time allowed to open a connection, and for one statement (ms). */
    connectTimeoutMs: number;
    statementTimeoutMs: number;
  };
  temporal: TemporalConfig;
  observability: ObservabilityConfig;
  /** Passwords `tempctl roles apply` gives the least-privilege roles (none: group roles, no login). */
  rolePasswords: { migrate?: Secret; worker?: Secret; analyst?: Secret };
  /** Absent when SENSOR_API_URL is unset: the demo then starts the simulator and fills it in. */
  partnerApi: PartnerApiConfig | undefined;
  /** The sources an import fetches (SOURCES), each once, in the order given. */
  sources: SourceName[];
  fileDrop: { dir: string };
  /** OBJECT_DROP_URL: where the partner writes each hour's parts (`s3://bucket/prefix` or a folder). */
  objectDrop: { url: string | undefined };
  /** Where hour backups go: an absolute folder path or `s3://bucket/prefix`. */
  backupDir: string;
  /** Where landed files go: an absolute folder path or `s3://bucket/prefix`. */
  landingStoreUrl: string;
  s3: S3Settings;
  regions: { file: string; url: string | undefined; cacheDir: string };
  validation: { temperatureMin: number; temperatureMax: number; timestampMin: string; timestampMax: string };
  correctionStrategy: CorrectionStrategy;
  sourceFailurePolicy: SourceFailurePolicy;
  /** How old an import hour may be and still be fetched: the sources only serve the present. */
  fetchMaxLagHours: number;
  /** The columnar landing and the hour's fan-out (docs/scaling.md §2). */
  pipeline: {
    /** HOUR_BUCKETS (`maxBuckets`), HOUR_BUCKET_READINGS (`readingsPerBucket`): a new hour's buckets. */
    buckets: BucketSettings;
    /** CORRECTION_HORIZON_HOURS: how far back earlier versions of an id are looked up. */
    correctionHorizonHours: number;
    /** DUCKDB_MEMORY_LIMIT_MB, DUCKDB_THREADS. */
    duckdbMemoryLimitMb: number;
    duckdbThreads: number;
    /** Local folder for downloads and files being written (DATA_DIR/scratch). */
    scratchDir: string;
    /**
     * LANDING_STORE_RETRY_BUDGET_MS: how long a fetch keeps retrying the landing store (or the
     * disk) once the answer has arrived, before its attempt fails (ms).
     */
    storeRetryBudgetMs: number;
    /**
     * PAGE_CACHE_TUNING: stored objects leave the page cache and large copies bypass it
     * (adapters/files/pageCache.ts); for a host that backs memory lazily, off by default.
     */
    pageCacheTuning: boolean;
    /**
     * LANDING_CACHE_MB: a worker's local cache of the Parquet files it landed or read from a
     * remote (S3) landing store (adapters/objectStore/cached.ts); 0 turns it off.
     */
    landingCacheMb: number;
    /**
     * VERSION_INDEX: earlier versions are looked up in the record-level version index
     * (adapters/versions/, docs/versioning.md) instead of the horizon's Parquet files; off by default
     * until it meets its targets (docs/versioning.md "The version index").
     */
    versionIndex: boolean;
    /** PARTS_CONCURRENCY: parts of one source's hour landed at once, each by its own activity. */
    partsConcurrency: number;
    /** Workflow bundles built for the worker, one per version of the code (DATA_DIR/workflow-bundles). */
    workflowBundleDir: string;
  };
  quality: {
    noValidReadings: CheckAction;
    rejectedShare: { action: CheckAction; max: number };
    regionWentSilent: CheckAction;
    outsideShare: { action: CheckAction; max: number };
    swappedCoordinates: CheckAction;
  };
  /** Region polygons may overlap by this share of the smaller one's area before the worker refuses them. */
  regionsOverlapTolerance: number;
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: ConfigError[] = [];
  constructor(private readonly env: Env) {}

  text(name: string, fallback: string): string;
  text(name: string): string | undefined;
  text(name: string, fallback?: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? fallback : value;
  }

  number(
    name: string,
    fallback: number,
    check: { min?: number; max?: number; integer?: boolean } = {},
  ): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    const bad =
      !Number.isFinite(value) ||
      (check.integer === true && !Number.isInteger(value)) ||
      (check.min !== undefined && value < check.min) ||
      (check.max !== undefined && value > check.max);
    if (bad) {
      const range = `${check.min ?? '-∞'}..${check.max ?? '∞'}`;
      this.fail(
        name,
        `${JSON.stringify(raw)} is not ${check.integer ? 'an integer' : 'a number'} in ${range}`,
      );
      return fallback;
    }
    return value;
  }

  choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.fail(name, `${JSON.stringify(raw)} is not one of ${allowed.join(', ')}`);
    return fallback;
  }

  flag(name: string, fallback: boolean): boolean {
    const raw = this.text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    this.fail(name, `${JSON.stringify(raw)} is not true or false`);
    return fallback;
  }

  /** A folder (resolved against `base`), `file:///…` or `s3://bucket/prefix`; see core/storeLocation. */
  storeUrl(name: string, fallback: string, base: string): string {
    const raw = this.text(name, fallback);
    try {
      const location = parseStoreLocation(raw);
      return location.kind === 'folder' ? path.resolve(base, location.path) : raw.replace(/\/+$/, '');
    } catch (error) {
      this.fail(name, (error as Error).message);
      return fallback;
    }
  }

  url(name: string, protocols: string[]): string | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (protocols.includes(parsed.protocol)) return raw;
      this.fail(name, `must be a ${protocols.join(' or ')} URL, got ${parsed.protocol}`);
    } catch {
      // The value may hold a password: name the setting, never echo it.
      this.fail(name, 'is not a valid URL');
    }
    return undefined;
  }

  optionalPort(name: string): number | undefined {
    if (this.text(name) === undefined) return undefined;
    return this.number(name, 0, { min: 1, max: 65_535, integer: true });
  }

  /** A path to a file that must exist (certificates): checked at start, named when missing. */
  file(name: string): string | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    const resolved = path.resolve(PROJECT_ROOT, raw);
    if (!fs.existsSync(resolved)) this.fail(name, `no file at ${resolved}`);
    return resolved;
  }

  /** An ISO 8601 instant (UTC when no offset), normalised to toISOString form. */
  instant(name: string, fallback: string, check: { min: string; max: string }): string {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const parsed = parseTimestamp(raw);
    if (parsed === null || parsed < check.min || parsed > check.max) {
      this.fail(
        name,
        `${JSON.stringify(raw)} is not an ISO 8601 instant between ${check.min} and ${check.max}`,
      );
      return fallback;
    }
    return parsed;
  }

  fail(name: string, problem: string): void {
    this.problems.push(new ConfigError(name, problem));
  }
}

export function loadConfig(env: Env = process.env): Config {
  const read = new Reader(env);
  const dataDir = path.resolve(PROJECT_ROOT, read.text('DATA_DIR', '.data'));

  const apiUrl = read.url('SENSOR_API_URL', ['http:', 'https:']);
  const apiKey = read.text('SENSOR_API_KEY');
  if (apiUrl !== undefined && apiKey === undefined)
    read.fail('SENSOR_API_KEY', 'is required when SENSOR_API_URL is set');
  const partnerApi =
    apiUrl === undefined
      ? undefined
      : {
          url: apiUrl,
          apiKey: new Secret(apiKey ?? ''),
          connectTimeoutMs: read.number('SENSOR_API_CONNECT_TIMEOUT_MS', 5_000, { min: 1, integer: true }),
          // Below the fetch activity's 2-minute timeout, so the client reports a slow API, not Temporal.
          // Below the fetch activity's 1-hour ceiling; the fetch is otherwise bounded by heartbeats.
          totalTimeoutMs: read.number('SENSOR_API_TIMEOUT_MS', 120_000, {
            min: 1,
            max: 3_000_000,
            integer: true,
          }),
          // 256 MiB: a 1,000,000-reading hour is ~153 MB (~153 B a reading in the partner's format,
          // docs/scaling.md §1), so this fits it with room for longer ids and labels. The body is
          // streamed to disk, so the cap bounds disk and time, not memory.
          maxResponseBytes: read.number('SENSOR_API_MAX_BYTES', 256 * 1024 * 1024, { min: 1, integer: true }),
          maxRetryAfterMs: read.number('SENSOR_API_MAX_RETRY_AFTER_MS', 60_000, { min: 0, integer: true }),
          paging: {
            mode: read.choice('SENSOR_API_PAGING', PAGING_MODES, 'none'),
            pageSize: read.number('SENSOR_API_PAGE_SIZE', 100_000, { min: 1, integer: true }),
          },
        };

  // The one check of the names. A name listed twice is kept once: it would fetch (and, for
  // file-drop, consume) twice in one import.
  const named = (read.text('SOURCES', PARTNER_API_SOURCE) ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = named.filter((name) => !isSourceName(name));
  if (unknown.length > 0)
    read.fail('SOURCES', `unknown source ${unknown.join(', ')} (known: ${SOURCE_NAMES.join(', ')})`);
  if (named.length === 0) read.fail('SOURCES', 'names no source');
  const sources = [...new Set(named.filter(isSourceName))];

  const temperatureMin = read.number('TEMPERATURE_MIN', -90);
  const temperatureMax = read.number('TEMPERATURE_MAX', 60);
  if (temperatureMin >= temperatureMax) read.fail('TEMPERATURE_MIN', 'must be below TEMPERATURE_MAX');

  const s3Endpoint = read.url('S3_ENDPOINT', ['http:', 'https:']);
  const s3KeyId = read.text('S3_ACCESS_KEY_ID');
  const s3Secret = read.text('S3_SECRET_ACCESS_KEY');
  if ((s3KeyId === undefined) !== (s3Secret === undefined))
    read.fail(
      s3KeyId === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY',
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY are set together or not at all',
    );
  const s3: S3Settings = {
    endpoint: s3Endpoint,
    region: read.text('S3_REGION', 'us-east-1'),
    credentials:
      s3KeyId === undefined || s3Secret === undefined
        ? undefined
        : { accessKeyId: s3KeyId, secretAccessKey: new Secret(s3Secret) },
    forcePathStyle: read.flag('S3_FORCE_PATH_STYLE', s3Endpoint !== undefined),
    timeoutMs: read.number('S3_TIMEOUT_MS', 30_000, { min: 1, integer: true }),
  };

  const storable = { min: STORABLE_TIMESTAMP_MIN, max: STORABLE_TIMESTAMP_MAX };
  const timestampMin = read.instant('TIMESTAMP_MIN', DEFAULT_LIMITS.timestampMin, storable);
  const timestampMax = read.instant('TIMESTAMP_MAX', DEFAULT_LIMITS.timestampMax, storable);
  if (timestampMin >= timestampMax) read.fail('TIMESTAMP_MIN', 'must be before TIMESTAMP_MAX');

  const config: Config = {
    database: {
      url: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
      pgliteDir: path.resolve(PROJECT_ROOT, read.text('PGLITE_DIR', path.join(dataDir, 'pglite'))),
      connectTimeoutMs: read.number('DATABASE_CONNECT_TIMEOUT_MS', 10_000, { min: 1, integer: true }),
      statementTimeoutMs: read.number('DATABASE_STATEMENT_TIMEOUT_MS', 300_000, { min: 1, integer: true }),
    },
    temporal: readTemporal(read),
    observability: {
      logLevel: read.choice('LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error'] as const, 'info'),
      logFormat:
        read.text('LOG_FORMAT') === undefined
          ? undefined
          : read.choice('LOG_FORMAT', ['json', 'pretty'] as const, 'json'),
      metricsPort: read.optionalPort('METRICS_PORT'),
      temporalMetricsPort: read.optionalPort('TEMPORAL_METRICS_PORT'),
      tracing: {
        // The traces endpoint wins over the general one, as in the OTLP exporter specification.
        endpoint:
          read.choice('OTEL_SDK_DISABLED', ['true', 'false'] as const, 'false') === 'true'
            ? undefined
            : (read.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http:', 'https:']) ??
              read.url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:'])),
        serviceName: read.text('OTEL_SERVICE_NAME', 'temperature-pipeline'),
      },
    },
    rolePasswords: readRolePasswords(read),
    partnerApi,
    sources,
    fileDrop: {
      dir: path.resolve(PROJECT_ROOT, read.text('FILE_DROP_DIR', path.join(dataDir, 'file-drop'))),
    },
    objectDrop: {
      url:
        read.text('OBJECT_DROP_URL') === undefined
          ? undefined
          : read.storeUrl('OBJECT_DROP_URL', '', PROJECT_ROOT),
    },
    backupDir: read.storeUrl('BACKUP_DIR', path.join(dataDir, 'backups'), PROJECT_ROOT),
    landingStoreUrl: read.storeUrl('LANDING_STORE_URL', path.join(dataDir, 'landing'), PROJECT_ROOT),
    s3,
    regions: {
      file: path.resolve(
        PROJECT_ROOT,
        read.text(
          'REGIONS_FILE',
          'data/regions/datanova-contours-geographiques-des-nouvelles-regions-metropole.geojson',
        ),
      ),
      url: read.url('REGIONS_URL', ['http:', 'https:']),
      cacheDir: path.join(dataDir, 'regions-cache'),
    },
    validation: { temperatureMin, temperatureMax, timestampMin, timestampMax },
    correctionStrategy: read.choice('CORRECTION_STRATEGY', CORRECTION_STRATEGIES, 'latest'),
    fetchMaxLagHours: read.number('FETCH_MAX_LAG_HOURS', 2, { min: 0, integer: true }),
    pipeline: {
      buckets: {
        maxBuckets: read.number('HOUR_BUCKETS', 8, { min: 1, max: 256, integer: true }),
        readingsPerBucket: read.number('HOUR_BUCKET_READINGS', 125_000, { min: 1, integer: true }),
      },
      correctionHorizonHours: read.number('CORRECTION_HORIZON_HOURS', 168, {
        min: 1,
        max: 8_760,
        integer: true,
      }),
      duckdbMemoryLimitMb: read.number('DUCKDB_MEMORY_LIMIT_MB', 160, { min: 64, integer: true }),
      duckdbThreads: read.number('DUCKDB_THREADS', 2, { min: 1, max: 64, integer: true }),
      scratchDir: path.join(dataDir, 'scratch'),
      storeRetryBudgetMs: read.number('LANDING_STORE_RETRY_BUDGET_MS', 120_000, { min: 0, integer: true }),
      landingCacheMb: read.number('LANDING_CACHE_MB', 512, { min: 0, integer: true }),
      versionIndex: read.choice('VERSION_INDEX', ['off', 'on'] as const, 'off') === 'on',
      pageCacheTuning: read.choice('PAGE_CACHE_TUNING', ['off', 'on'] as const, 'off') === 'on',
      // At most a few hundred activities in flight per run (Temporal's guidance is about 500).
      partsConcurrency: read.number('PARTS_CONCURRENCY', DEFAULT_PARTS_CONCURRENCY, {
        min: 1,
        max: 200,
        integer: true,
      }),
      workflowBundleDir: path.join(dataDir, 'workflow-bundles'),
    },
    sourceFailurePolicy: read.choice('SOURCE_FAILURE_POLICY', SOURCE_FAILURE_POLICIES, 'fail'),
    quality: {
      noValidReadings: read.choice('CHECK_NO_VALID_READINGS', CHECK_ACTIONS, 'fail'),
      rejectedShare: {
        action: read.choice('CHECK_REJECTED_SHARE', CHECK_ACTIONS, 'warn'),
        max: read.number('CHECK_REJECTED_SHARE_MAX', 0.2, { min: 0, max: 1 }),
      },
      regionWentSilent: read.choice('CHECK_REGION_WENT_SILENT', CHECK_ACTIONS, 'warn'),
      outsideShare: {
        action: read.choice('CHECK_OUTSIDE_SHARE', CHECK_ACTIONS, 'warn'),
        max: read.number('CHECK_OUTSIDE_SHARE_MAX', 0.4, { min: 0, max: 1 }),
      },
      swappedCoordinates: read.choice('CHECK_SWAPPED_COORDINATES', CHECK_ACTIONS, 'warn'),
    },
    regionsOverlapTolerance: read.number('REGIONS_OVERLAP_TOLERANCE', 0.001, { min: 0, max: 1 }),
  };

  const [first, ...more] = read.problems;
  if (first && more.length === 0) throw first;
  if (first) {
    throw new ConfigError(
      first.setting,
      `${first.message.slice(first.setting.length + 2)}; also ${more.map((p) => p.message).join('; ')}`,
    );
  }
  return config;
}

function readRolePasswords(read: Reader): Config['rolePasswords'] {
  const passwords: Config['rolePasswords'] = {};
  for (const kind of ['migrate', 'worker', 'analyst'] as const) {
    const value = read.text(`DATABASE_${kind.toUpperCase()}_PASSWORD`);
    if (value !== undefined) passwords[kind] = new Secret(value);
  }
  return passwords;
}

/**
 * Temporal connection settings. TLS is on when TEMPORAL_TLS=true, when any TEMPORAL_TLS_* file is
 * given, or with an API key (Temporal Cloud only accepts API keys over TLS).
 */
function readTemporal(read: Reader): TemporalConfig {
  const apiKey = read.text('TEMPORAL_API_KEY');
  const tls: TemporalTlsConfig = {
    caFile: read.file('TEMPORAL_TLS_CA_FILE'),
    certFile: read.file('TEMPORAL_TLS_CERT_FILE'),
    keyFile: read.file('TEMPORAL_TLS_KEY_FILE'),
    serverName: read.text('TEMPORAL_TLS_SERVER_NAME'),
  };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined))
    read.fail('TEMPORAL_TLS_CERT_FILE', 'and TEMPORAL_TLS_KEY_FILE must be set together (mTLS)');
  const tlsWanted =
    read.choice('TEMPORAL_TLS', ['true', 'false'] as const, 'false') === 'true' ||
    Object.values(tls).some((value) => value !== undefined) ||
    apiKey !== undefined;
  return {
    address: read.text('TEMPORAL_ADDRESS', 'localhost:7233'),
    namespace: read.text('TEMPORAL_NAMESPACE', 'default'),
    taskQueue: read.text('TEMPORAL_TASK_QUEUE', 'temperature-pipeline'),
    uiUrl: read.url('TEMPORAL_UI_URL', ['http:', 'https:']) ?? 'http://localhost:8233',
    ...(tlsWanted ? { tls } : {}),
    ...(apiKey === undefined ? {} : { apiKey: new Secret(apiKey) }),
  };
}

/** The partner API settings, or a ConfigError naming SENSOR_API_URL when a command needs them. */
export function requirePartnerApi(config: Config): PartnerApiConfig {
  if (config.partnerApi === undefined)
    throw new ConfigError('SENSOR_API_URL', 'is required (the partner API endpoint)');
  return config.partnerApi;
}

/** The object drop's location, or a ConfigError naming OBJECT_DROP_URL when the source is enabled without it. */
export function requireObjectDrop(config: Config): string {
  if (config.objectDrop.url === undefined)
    throw new ConfigError('OBJECT_DROP_URL', 'is required with the object-drop source (s3://bucket/prefix)');
  return config.objectDrop.url;
}
