/**
 * All configuration, read once from the environment, validated and typed. A missing or invalid
 * setting stops the program at start with a ConfigError naming every bad setting.
 * The README's configuration table documents each variable read here.
 */
import path from 'node:path';
import { ConfigError } from '../core/errors';
import {
  DEFAULT_LIMITS,
  parseTimestamp,
  STORABLE_TIMESTAMP_MAX,
  STORABLE_TIMESTAMP_MIN,
} from '../core/reading';
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

export interface Config {
  database: {
    url: string | undefined;
    pgliteDir: string;
    /** PostgreSQL only: time allowed to open a connection, and for one statement (ms). */
    connectTimeoutMs: number;
    statementTimeoutMs: number;
  };
  temporal: { address: string; namespace: string; taskQueue: string };
  /** Absent when SENSOR_API_URL is unset: the demo then starts the simulator and fills it in. */
  partnerApi: PartnerApiConfig | undefined;
  sources: string[];
  fileDrop: { dir: string };
  backupDir: string;
  regions: { file: string; url: string | undefined; cacheDir: string };
  validation: { temperatureMin: number; temperatureMax: number; timestampMin: string; timestampMax: string };
  correctionStrategy: CorrectionStrategy;
  sourceFailurePolicy: SourceFailurePolicy;
  /** How old an import hour may be and still be fetched: the sources only serve the present. */
  fetchMaxLagHours: number;
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
          totalTimeoutMs: read.number('SENSOR_API_TIMEOUT_MS', 30_000, {
            min: 1,
            max: 90_000,
            integer: true,
          }),
          maxResponseBytes: read.number('SENSOR_API_MAX_BYTES', 50 * 1024 * 1024, { min: 1, integer: true }),
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

  const storable = { min: STORABLE_TIMESTAMP_MIN, max: STORABLE_TIMESTAMP_MAX };
  const timestampMin = read.instant('TIMESTAMP_MIN', DEFAULT_LIMITS.timestampMin, storable);
  const timestampMax = read.instant('TIMESTAMP_MAX', DEFAULT_LIMITS.timestampMax, storable);
  if (timestampMin >= timestampMax) read.fail('TIMESTAMP_MIN', 'must be before TIMESTAMP_MAX');

  const checkActions = ['warn', 'fail', 'off'] as const;
  const config: Config = {
    database: {
      url: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
      pgliteDir: path.resolve(PROJECT_ROOT, read.text('PGLITE_DIR', path.join(dataDir, 'pglite'))),
      connectTimeoutMs: read.number('DATABASE_CONNECT_TIMEOUT_MS', 10_000, { min: 1, integer: true }),
      statementTimeoutMs: read.number('DATABASE_STATEMENT_TIMEOUT_MS', 300_000, { min: 1, integer: true }),
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
    backupDir: path.resolve(PROJECT_ROOT, read.text('BACKUP_DIR', path.join(dataDir, 'backups'))),
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
    correctionStrategy: read.choice('CORRECTION_STRATEGY', ['latest', 'first'] as const, 'latest'),
    fetchMaxLagHours: read.number('FETCH_MAX_LAG_HOURS', 2, { min: 0, integer: true }),
    sourceFailurePolicy: read.choice('SOURCE_FAILURE_POLICY', ['fail', 'partial'] as const, 'fail'),
    quality: {
      noValidReadings: read.choice('CHECK_NO_VALID_READINGS', checkActions, 'fail'),
      rejectedShare: {
        action: read.choice('CHECK_REJECTED_SHARE', checkActions, 'warn'),
        max: read.number('CHECK_REJECTED_SHARE_MAX', 0.2, { min: 0, max: 1 }),
      },
      regionWentSilent: read.choice('CHECK_REGION_WENT_SILENT', checkActions, 'warn'),
      outsideShare: {
        action: read.choice('CHECK_OUTSIDE_SHARE', checkActions, 'warn'),
        max: read.number('CHECK_OUTSIDE_SHARE_MAX', 0.2, { min: 0, max: 1 }),
      },
      swappedCoordinates: read.choice('CHECK_SWAPPED_COORDINATES', checkActions, 'warn'),
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

/** The partner API settings, or a ConfigError naming SENSOR_API_URL when a command needs them. */
export function requirePartnerApi(config: Config): PartnerApiConfig {
  if (config.partnerApi === undefined)
    throw new ConfigError('SENSOR_API_URL', 'is required (the partner API endpoint)');
  return config.partnerApi;
}
