/**
 * All configuration, read once from the environment, validated and typed. A missing or invalid
 * setting stops the program at start with a ConfigError naming every bad setting.
 * The README's configuration table documents each variable read here.
 */
import path from 'node:path';
import { ConfigError } from '../core/errors';
import { parseStoreLocation } from '../core/storeLocation';
import { Secret } from './secret';

export const PROJECT_ROOT = path.resolve(__dirname, '..');

export type CorrectionStrategy = 'latest' | 'first';
export type SourceFailurePolicy = 'fail' | 'partial';
export type CheckAction = 'warn' | 'fail' | 'off';

export interface PartnerApiConfig {
  url: string;
  apiKey: Secret;
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  maxResponseBytes: number;
  maxRetryAfterMs: number;
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
}

export interface Config {
  database: { url: string | undefined; pgliteDir: string };
  temporal: { address: string; namespace: string; taskQueue: string };
  /** Absent when SENSOR_API_URL is unset: the demo then starts the simulator and fills it in. */
  partnerApi: PartnerApiConfig | undefined;
  sources: string[];
  fileDrop: { dir: string };
  /** Where hour backups go: an absolute folder path or `s3://bucket/prefix`. */
  backupDir: string;
  /** Where landed files go: an absolute folder path or `s3://bucket/prefix`. */
  landingStoreUrl: string;
  s3: S3Settings;
  regions: { file: string; url: string | undefined; cacheDir: string };
  validation: { temperatureMin: number; temperatureMax: number };
  correctionStrategy: CorrectionStrategy;
  sourceFailurePolicy: SourceFailurePolicy;
  /** How old an import hour may be and still be fetched: the sources only serve the present. */
  fetchMaxLagHours: number;
  /** The columnar landing and the hour's fan-out (docs/scaling.md §2). */
  pipeline: {
    /** HOUR_BUCKETS: buckets an hour is split into when first landed. */
    hourBuckets: number;
    /** CORRECTION_HORIZON_HOURS: how far back earlier versions of an id are looked up. */
    correctionHorizonHours: number;
    /** DUCKDB_MEMORY_LIMIT_MB, DUCKDB_THREADS. */
    duckdbMemoryLimitMb: number;
    duckdbThreads: number;
    /** Local folder for downloads and files being written (DATA_DIR/scratch). */
    scratchDir: string;
  };
  quality: {
    noValidReadings: CheckAction;
    rejectedShare: { action: CheckAction; max: number };
    regionWentSilent: CheckAction;
  };
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

  fail(name: string, problem: string): void {
    this.problems.push(new ConfigError(name, problem));
  }
}

export const KNOWN_SOURCES = ['partner-api', 'file-drop'] as const;

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
        };

  const sources = (read.text('SOURCES', 'partner-api') ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = sources.filter((name) => !(KNOWN_SOURCES as readonly string[]).includes(name));
  if (unknown.length > 0)
    read.fail('SOURCES', `unknown source ${unknown.join(', ')} (known: ${KNOWN_SOURCES.join(', ')})`);
  if (sources.length === 0) read.fail('SOURCES', 'names no source');

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
  };

  const checkActions = ['warn', 'fail', 'off'] as const;
  const config: Config = {
    database: {
      url: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
      pgliteDir: path.resolve(PROJECT_ROOT, read.text('PGLITE_DIR', path.join(dataDir, 'pglite'))),
    },
    temporal: {
      address: read.text('TEMPORAL_ADDRESS', 'localhost:7233'),
      namespace: read.text('TEMPORAL_NAMESPACE', 'default'),
      taskQueue: read.text('TEMPORAL_TASK_QUEUE', 'temperature-pipeline'),
    },
    partnerApi,
    sources,
    fileDrop: {
      dir: path.resolve(PROJECT_ROOT, read.text('FILE_DROP_DIR', path.join(dataDir, 'file-drop'))),
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
    validation: { temperatureMin, temperatureMax },
    correctionStrategy: read.choice('CORRECTION_STRATEGY', ['latest', 'first'] as const, 'latest'),
    fetchMaxLagHours: read.number('FETCH_MAX_LAG_HOURS', 2, { min: 0, integer: true }),
    pipeline: {
      hourBuckets: read.number('HOUR_BUCKETS', 8, { min: 1, max: 256, integer: true }),
      correctionHorizonHours: read.number('CORRECTION_HORIZON_HOURS', 168, {
        min: 1,
        max: 8_760,
        integer: true,
      }),
      duckdbMemoryLimitMb: read.number('DUCKDB_MEMORY_LIMIT_MB', 320, { min: 64, integer: true }),
      duckdbThreads: read.number('DUCKDB_THREADS', 2, { min: 1, max: 64, integer: true }),
      scratchDir: path.join(dataDir, 'scratch'),
    },
    sourceFailurePolicy: read.choice('SOURCE_FAILURE_POLICY', ['fail', 'partial'] as const, 'fail'),
    quality: {
      noValidReadings: read.choice('CHECK_NO_VALID_READINGS', checkActions, 'fail'),
      rejectedShare: {
        action: read.choice('CHECK_REJECTED_SHARE', checkActions, 'warn'),
        max: read.number('CHECK_REJECTED_SHARE_MAX', 0.2, { min: 0, max: 1 }),
      },
      regionWentSilent: read.choice('CHECK_REGION_WENT_SILENT', checkActions, 'warn'),
    },
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

/** The partner API settings, or a ConfigError naming SENSOR_API_URL when a command needs them. */
export function requirePartnerApi(config: Config): PartnerApiConfig {
  if (config.partnerApi === undefined)
    throw new ConfigError('SENSOR_API_URL', 'is required (the partner API endpoint)');
  return config.partnerApi;
}
