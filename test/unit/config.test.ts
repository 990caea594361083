/**
 * Configuration from an explicit environment: the defaults, every invalid setting named in a
 * ConfigError, several at once, no password in any message, and a Secret that never prints.
 */
import path from 'node:path';
import util from 'node:util';
import { loadConfig, requireObjectDrop, requirePartnerApi, type Config } from '../../config';
import { Secret } from '../../config/secret';
import { isConfigError } from '../../core/errors';

type Env = Record<string, string | undefined>;

const ROOT = path.resolve(__dirname, '../..');
const API = { SENSOR_API_URL: 'https://partner.example/v1/readings', SENSOR_API_KEY: 'pk_test_abc123' };

/** Runs loadConfig and returns the ConfigError it throws (failing the test if it does not). */
function configError(env: Env): { setting: string; message: string; error: Error } {
  let thrown: unknown;
  try {
    loadConfig(env);
  } catch (error) {
    thrown = error;
  }
  expect(isConfigError(thrown)).toBe(true);
  if (!isConfigError(thrown)) throw new Error('no ConfigError');
  return { setting: thrown.setting, message: thrown.message, error: thrown };
}

describe('defaults', () => {
  let config: Config;
  beforeAll(() => {
    config = loadConfig({});
  });

  test('database, Temporal and paths', () => {
    expect(config.database).toEqual({
      url: undefined,
      pgliteDir: path.join(ROOT, '.data', 'pglite'),
      connectTimeoutMs: 10_000,
      statementTimeoutMs: 300_000,
    });
    expect(config.temporal).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      taskQueue: 'temperature-pipeline',
      uiUrl: 'http://localhost:8233',
    });
    expect(config.fileDrop).toEqual({ dir: path.join(ROOT, '.data', 'file-drop') });
    expect(config.backupDir).toBe(path.join(ROOT, '.data', 'backups'));
    expect(config.regions).toEqual({
      file: path.join(
        ROOT,
        'data/regions/datanova-contours-geographiques-des-nouvelles-regions-metropole.geojson',
      ),
      url: undefined,
      cacheDir: path.join(ROOT, '.data', 'regions-cache'),
    });
  });

  test('sources, validation, strategies and checks', () => {
    expect(config.partnerApi).toBeUndefined();
    expect(config.sources).toEqual(['partner-api']);
    expect(config.validation).toEqual({
      temperatureMin: -90,
      temperatureMax: 60,
      timestampMin: '2000-01-01T00:00:00.000Z',
      timestampMax: '2100-01-01T00:00:00.000Z',
    });
    expect(config.correctionStrategy).toBe('latest');
    expect(config.sourceFailurePolicy).toBe('fail');
    expect(config.quality).toEqual({
      noValidReadings: 'fail',
      rejectedShare: { action: 'warn', max: 0.2 },
      regionWentSilent: 'warn',
      outsideShare: { action: 'warn', max: 0.4 },
      swappedCoordinates: 'warn',
    });
    expect(config.regionsOverlapTolerance).toBe(0.001);
  });

  test('empty and blank values count as unset', () => {
    const blank = loadConfig({ TEMPERATURE_MIN: '', TEMPERATURE_MAX: '   ', SOURCES: '', DATABASE_URL: ' ' });
    expect(blank.validation).toMatchObject({ temperatureMin: -90, temperatureMax: 60 });
    expect(blank.sources).toEqual(['partner-api']);
    expect(blank.database.url).toBeUndefined();
  });

  test('requirePartnerApi names SENSOR_API_URL when it is unset', () => {
    let thrown: unknown;
    try {
      requirePartnerApi(config);
    } catch (error) {
      thrown = error;
    }
    expect(isConfigError(thrown) && thrown.setting).toBe('SENSOR_API_URL');
  });
});

describe('valid settings are read', () => {
  test('the columnar landing and fan-out settings, defaults and explicit', () => {
    expect(loadConfig({}).pipeline).toMatchObject({
      buckets: { maxBuckets: 8, readingsPerBucket: 125_000 },
      correctionHorizonHours: 168,
      duckdbThreads: 2,
      pageCacheTuning: false,
      landingCacheMb: 512,
    });
    expect(
      loadConfig({
        HOUR_BUCKETS: '1',
        HOUR_BUCKET_READINGS: '1000',
        CORRECTION_HORIZON_HOURS: '24',
        PAGE_CACHE_TUNING: 'on',
        LANDING_CACHE_MB: '0',
      }).pipeline,
    ).toMatchObject({
      buckets: { maxBuckets: 1, readingsPerBucket: 1000 },
      correctionHorizonHours: 24,
      pageCacheTuning: true,
      landingCacheMb: 0,
    });
    expect(() => loadConfig({ PAGE_CACHE_TUNING: 'yes' })).toThrow(/PAGE_CACHE_TUNING/);
  });

  test('parts: the paging, the page size, the object drop and the parts landed at once', () => {
    const defaults = loadConfig(API);
    expect(defaults.partnerApi?.paging).toEqual({ mode: 'none', pageSize: 100_000 });
    expect(defaults.pipeline.partsConcurrency).toBe(16);
    expect(defaults.objectDrop).toEqual({ url: undefined });
    expect(() => requireObjectDrop(defaults)).toThrow('OBJECT_DROP_URL');
    const set = loadConfig({
      ...API,
      SENSOR_API_PAGING: 'cursor',
      SENSOR_API_PAGE_SIZE: '5000',
      PARTS_CONCURRENCY: '200',
      SOURCES: 'partner-api,object-drop',
      OBJECT_DROP_URL: 's3://partner-drop/readings/',
    });
    expect(set.partnerApi?.paging).toEqual({ mode: 'cursor', pageSize: 5000 });
    expect(set.pipeline.partsConcurrency).toBe(200);
    expect(set.sources).toEqual(['partner-api', 'object-drop']);
    expect(requireObjectDrop(set)).toBe('s3://partner-drop/readings');
  });

  test('the partner API with its defaults, the key kept as a Secret', () => {
    const config = loadConfig(API);
    expect(config.partnerApi).toMatchObject({
      url: API.SENSOR_API_URL,
      connectTimeoutMs: 5_000,
      totalTimeoutMs: 120_000,
      // A 1,000,000-reading hour (~153 MB) fits.
      maxResponseBytes: 256 * 1024 * 1024,
      maxRetryAfterMs: 60_000,
    });
    expect(config.partnerApi?.apiKey.reveal()).toBe(API.SENSOR_API_KEY);
    expect(requirePartnerApi(config)).toBe(config.partnerApi);
  });

  test('explicit values, trimmed', () => {
    const config = loadConfig({
      ...API,
      SENSOR_API_TIMEOUT_MS: ' 1000 ',
      SENSOR_API_CONNECT_TIMEOUT_MS: '1',
      SENSOR_API_MAX_BYTES: '2048',
      SENSOR_API_MAX_RETRY_AFTER_MS: '0',
      SOURCES: ' file-drop , partner-api ',
      TEMPERATURE_MIN: '-40.5',
      TEMPERATURE_MAX: '45',
      CORRECTION_STRATEGY: 'first',
      SOURCE_FAILURE_POLICY: 'partial',
      CHECK_NO_VALID_READINGS: 'warn',
      CHECK_REJECTED_SHARE: 'off',
      CHECK_REJECTED_SHARE_MAX: '1',
      CHECK_REGION_WENT_SILENT: 'fail',
      CHECK_OUTSIDE_SHARE: 'fail',
      CHECK_OUTSIDE_SHARE_MAX: '0.5',
      CHECK_SWAPPED_COORDINATES: 'off',
      TIMESTAMP_MIN: '2020-01-01 00:00:00',
      TIMESTAMP_MAX: '2030-06-01T00:00:00+02:00',
      DATABASE_CONNECT_TIMEOUT_MS: '2500',
      DATABASE_STATEMENT_TIMEOUT_MS: '60000',
      DATABASE_URL: 'postgresql://app:pw@db.internal:5432/temps',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'prod',
      TEMPORAL_TASK_QUEUE: 'q',
      TEMPORAL_UI_URL: 'https://temporal.internal:8233',
      REGIONS_URL: 'https://example.org/regions.geojson',
      DATA_DIR: '/var/lib/temps',
      BACKUP_DIR: 'relative/backups',
    });
    expect(config.partnerApi).toMatchObject({
      totalTimeoutMs: 1000,
      connectTimeoutMs: 1,
      maxResponseBytes: 2048,
      maxRetryAfterMs: 0,
    });
    expect(config.sources).toEqual(['file-drop', 'partner-api']);
    expect(config.validation).toEqual({
      temperatureMin: -40.5,
      temperatureMax: 45,
      timestampMin: '2020-01-01T00:00:00.000Z',
      timestampMax: '2030-05-31T22:00:00.000Z',
    });
    expect(config.database).toMatchObject({ connectTimeoutMs: 2500, statementTimeoutMs: 60000 });
    expect(config.correctionStrategy).toBe('first');
    expect(config.sourceFailurePolicy).toBe('partial');
    expect(config.quality).toEqual({
      noValidReadings: 'warn',
      rejectedShare: { action: 'off', max: 1 },
      regionWentSilent: 'fail',
      outsideShare: { action: 'fail', max: 0.5 },
      swappedCoordinates: 'off',
    });
    expect(config.database.url).toBe('postgresql://app:pw@db.internal:5432/temps');
    expect(config.database.pgliteDir).toBe(path.join('/var/lib/temps', 'pglite'));
    expect(config.temporal).toEqual({
      address: 'temporal:7233',
      namespace: 'prod',
      taskQueue: 'q',
      uiUrl: 'https://temporal.internal:8233',
    });
    expect(config.regions.url).toBe('https://example.org/regions.geojson');
    expect(config.regions.cacheDir).toBe(path.join('/var/lib/temps', 'regions-cache'));
    expect(config.fileDrop.dir).toBe(path.join('/var/lib/temps', 'file-drop'));
    expect(config.backupDir).toBe(path.join(ROOT, 'relative/backups'));
  });

  test.each(['postgres://u@h/db', 'postgresql://u@h:5433/db'])('DATABASE_URL %s is accepted', (url) => {
    expect(loadConfig({ DATABASE_URL: url }).database.url).toBe(url);
  });

  test('a rejected-share limit of 0 is allowed', () => {
    expect(loadConfig({ CHECK_REJECTED_SHARE_MAX: '0' }).quality.rejectedShare.max).toBe(0);
  });

  test('the file-drop source alone needs no partner API', () => {
    const config = loadConfig({ SOURCES: 'file-drop' });
    expect(config.sources).toEqual(['file-drop']);
    expect(config.partnerApi).toBeUndefined();
  });
});

describe('object stores', () => {
  test('the landing store defaults to a folder under DATA_DIR, S3 settings to AWS with no keys', () => {
    const config = loadConfig({ DATA_DIR: '/var/lib/temps' });
    expect(config.landingStoreUrl).toBe(path.join('/var/lib/temps', 'landing'));
    expect(config.s3).toEqual({
      endpoint: undefined,
      region: 'us-east-1',
      credentials: undefined,
      forcePathStyle: false,
      timeoutMs: 30_000,
    });
  });

  test('a relative folder is resolved, s3:// and file:// are kept', () => {
    expect(loadConfig({ LANDING_STORE_URL: 'rel/landing' }).landingStoreUrl).toBe(
      path.join(ROOT, 'rel/landing'),
    );
    expect(loadConfig({ LANDING_STORE_URL: 's3://temps-prod/landing/' }).landingStoreUrl).toBe(
      's3://temps-prod/landing',
    );
    expect(loadConfig({ LANDING_STORE_URL: 'file:///srv/landing' }).landingStoreUrl).toBe('/srv/landing');
  });

  test('an S3 endpoint with keys; path style follows the endpoint unless set', () => {
    const env = {
      S3_ENDPOINT: 'http://127.0.0.1:8333',
      S3_REGION: 'eu-west-3',
      S3_ACCESS_KEY_ID: 'AKIA-test',
      S3_SECRET_ACCESS_KEY: 'shh-very-secret',
    };
    const config = loadConfig(env);
    expect(config.s3.endpoint).toBe('http://127.0.0.1:8333');
    expect(config.s3.region).toBe('eu-west-3');
    expect(config.s3.forcePathStyle).toBe(true);
    expect(config.s3.credentials?.accessKeyId).toBe('AKIA-test');
    expect(config.s3.credentials?.secretAccessKey.reveal()).toBe('shh-very-secret');
    expect(JSON.stringify(config)).not.toContain('shh-very-secret');
    expect(util.inspect(config, { depth: Infinity })).not.toContain('shh-very-secret');
    expect(loadConfig({ ...env, S3_FORCE_PATH_STYLE: 'false' }).s3.forcePathStyle).toBe(false);
  });
});

describe('each invalid setting is named', () => {
  const cases: [string, Env, string][] = [
    ['SENSOR_API_URL not a URL', { ...API, SENSOR_API_URL: 'partner dot example' }, 'SENSOR_API_URL'],
    ['SENSOR_API_URL not http(s)', { ...API, SENSOR_API_URL: 'ftp://partner.example/x' }, 'SENSOR_API_URL'],
    ['SENSOR_API_KEY missing', { SENSOR_API_URL: API.SENSOR_API_URL }, 'SENSOR_API_KEY'],
    ['SENSOR_API_KEY blank', { SENSOR_API_URL: API.SENSOR_API_URL, SENSOR_API_KEY: '  ' }, 'SENSOR_API_KEY'],
    ['SOURCES unknown name', { SOURCES: 'partner-api,carrier-pigeon' }, 'SOURCES'],
    ['SOURCES no name', { SOURCES: ' , ,' }, 'SOURCES'],
    ['TEMPERATURE_MIN = MAX', { TEMPERATURE_MIN: '10', TEMPERATURE_MAX: '10' }, 'TEMPERATURE_MIN'],
    ['HOUR_BUCKETS zero', { HOUR_BUCKETS: '0' }, 'HOUR_BUCKETS'],
    ['HOUR_BUCKETS above 256', { HOUR_BUCKETS: '257' }, 'HOUR_BUCKETS'],
    ['HOUR_BUCKETS not an integer', { HOUR_BUCKETS: '2.5' }, 'HOUR_BUCKETS'],
    ['HOUR_BUCKET_READINGS zero', { HOUR_BUCKET_READINGS: '0' }, 'HOUR_BUCKET_READINGS'],
    ['CORRECTION_HORIZON_HOURS zero', { CORRECTION_HORIZON_HOURS: '0' }, 'CORRECTION_HORIZON_HOURS'],
    [
      'CORRECTION_HORIZON_HOURS a week as text',
      { CORRECTION_HORIZON_HOURS: '7d' },
      'CORRECTION_HORIZON_HOURS',
    ],
    ['DUCKDB_MEMORY_LIMIT_MB too small', { DUCKDB_MEMORY_LIMIT_MB: '10' }, 'DUCKDB_MEMORY_LIMIT_MB'],
    ['TEMPERATURE_MIN > MAX', { TEMPERATURE_MIN: '30', TEMPERATURE_MAX: '-5' }, 'TEMPERATURE_MIN'],
    ['TEMPERATURE_MIN above the default max', { TEMPERATURE_MIN: '70' }, 'TEMPERATURE_MIN'],
    ['TEMPERATURE_MIN non-numeric', { TEMPERATURE_MIN: 'cold' }, 'TEMPERATURE_MIN'],
    ['TEMPERATURE_MAX non-numeric', { TEMPERATURE_MAX: '40C' }, 'TEMPERATURE_MAX'],
    ['TEMPERATURE_MAX infinite', { TEMPERATURE_MAX: 'Infinity' }, 'TEMPERATURE_MAX'],
    ['CORRECTION_STRATEGY bad value', { CORRECTION_STRATEGY: 'newest' }, 'CORRECTION_STRATEGY'],
    ['CORRECTION_STRATEGY wrong case', { CORRECTION_STRATEGY: 'Latest' }, 'CORRECTION_STRATEGY'],
    ['SOURCE_FAILURE_POLICY bad value', { SOURCE_FAILURE_POLICY: 'ignore' }, 'SOURCE_FAILURE_POLICY'],
    ['CHECK_NO_VALID_READINGS bad value', { CHECK_NO_VALID_READINGS: 'error' }, 'CHECK_NO_VALID_READINGS'],
    ['CHECK_REJECTED_SHARE bad value', { CHECK_REJECTED_SHARE: 'on' }, 'CHECK_REJECTED_SHARE'],
    ['CHECK_REGION_WENT_SILENT bad value', { CHECK_REGION_WENT_SILENT: 'yes' }, 'CHECK_REGION_WENT_SILENT'],
    [
      'CHECK_REJECTED_SHARE_MAX non-numeric',
      { CHECK_REJECTED_SHARE_MAX: 'lots' },
      'CHECK_REJECTED_SHARE_MAX',
    ],
    ['CHECK_REJECTED_SHARE_MAX above 1', { CHECK_REJECTED_SHARE_MAX: '1.5' }, 'CHECK_REJECTED_SHARE_MAX'],
    ['CHECK_REJECTED_SHARE_MAX negative', { CHECK_REJECTED_SHARE_MAX: '-0.1' }, 'CHECK_REJECTED_SHARE_MAX'],
    ['DATABASE_URL wrong protocol', { DATABASE_URL: 'mysql://u@h/db' }, 'DATABASE_URL'],
    ['DATABASE_URL http', { DATABASE_URL: 'http://h/db' }, 'DATABASE_URL'],
    ['DATABASE_URL not a URL', { DATABASE_URL: 'localhost:5432 db' }, 'DATABASE_URL'],
    ['REGIONS_URL not http(s)', { REGIONS_URL: 'file:///etc/regions.geojson' }, 'REGIONS_URL'],
    ['TEMPORAL_UI_URL not a URL', { TEMPORAL_UI_URL: 'localhost:8233' }, 'TEMPORAL_UI_URL'],
    ['SENSOR_API_TIMEOUT_MS non-numeric', { ...API, SENSOR_API_TIMEOUT_MS: 'soon' }, 'SENSOR_API_TIMEOUT_MS'],
    ['SENSOR_API_TIMEOUT_MS zero', { ...API, SENSOR_API_TIMEOUT_MS: '0' }, 'SENSOR_API_TIMEOUT_MS'],
    ['SENSOR_API_TIMEOUT_MS fractional', { ...API, SENSOR_API_TIMEOUT_MS: '1.5' }, 'SENSOR_API_TIMEOUT_MS'],
    [
      'SENSOR_API_CONNECT_TIMEOUT_MS negative',
      { ...API, SENSOR_API_CONNECT_TIMEOUT_MS: '-5' },
      'SENSOR_API_CONNECT_TIMEOUT_MS',
    ],
    ['SENSOR_API_MAX_BYTES non-numeric', { ...API, SENSOR_API_MAX_BYTES: '50MB' }, 'SENSOR_API_MAX_BYTES'],
    [
      'SENSOR_API_MAX_RETRY_AFTER_MS negative',
      { ...API, SENSOR_API_MAX_RETRY_AFTER_MS: '-1' },
      'SENSOR_API_MAX_RETRY_AFTER_MS',
    ],
    ['LANDING_STORE_URL bad bucket', { LANDING_STORE_URL: 's3://Bad_Bucket/x' }, 'LANDING_STORE_URL'],
    ['SENSOR_API_PAGING unknown', { ...API, SENSOR_API_PAGING: 'link' }, 'SENSOR_API_PAGING'],
    ['SENSOR_API_PAGE_SIZE zero', { ...API, SENSOR_API_PAGE_SIZE: '0' }, 'SENSOR_API_PAGE_SIZE'],
    ['PARTS_CONCURRENCY over 200', { PARTS_CONCURRENCY: '500' }, 'PARTS_CONCURRENCY'],
    ['OBJECT_DROP_URL bad bucket', { OBJECT_DROP_URL: 's3://Bad_Bucket/x' }, 'OBJECT_DROP_URL'],
    ['LANDING_STORE_URL other scheme', { LANDING_STORE_URL: 'gs://bucket/x' }, 'LANDING_STORE_URL'],
    ['LANDING_STORE_URL bad prefix', { LANDING_STORE_URL: 's3://bucket/a/../b' }, 'LANDING_STORE_URL'],
    ['S3_ENDPOINT not http(s)', { S3_ENDPOINT: 'ftp://h:21' }, 'S3_ENDPOINT'],
    ['S3_SECRET_ACCESS_KEY without the id', { S3_SECRET_ACCESS_KEY: 'x' }, 'S3_ACCESS_KEY_ID'],
    ['S3_ACCESS_KEY_ID without the secret', { S3_ACCESS_KEY_ID: 'x' }, 'S3_SECRET_ACCESS_KEY'],
    ['S3_FORCE_PATH_STYLE not a flag', { S3_FORCE_PATH_STYLE: 'sometimes' }, 'S3_FORCE_PATH_STYLE'],
    ['S3_TIMEOUT_MS not a positive integer', { S3_TIMEOUT_MS: '0' }, 'S3_TIMEOUT_MS'],
  ];

  test.each(cases)('%s', (_label, env, setting) => {
    const { setting: named, message, error } = configError(env);
    expect(named).toBe(setting);
    expect(message).toContain(setting);
    expect(error.name).toBe('ConfigError');
    expect(isConfigError(error) && error.retryable).toBe(false);
  });

  test('an unknown source is named in the message', () => {
    expect(configError({ SOURCES: 'partner-api,carrier-pigeon' }).message).toContain('carrier-pigeon');
  });
});

describe('several invalid settings', () => {
  test('are all named in one error', () => {
    const { setting, message } = configError({
      SOURCES: 'nope',
      TEMPERATURE_MIN: 'cold',
      CORRECTION_STRATEGY: 'newest',
      DATABASE_URL: 'mysql://u@h/db',
      CHECK_REJECTED_SHARE_MAX: '2',
    });
    const named = [
      'SOURCES',
      'TEMPERATURE_MIN',
      'CORRECTION_STRATEGY',
      'DATABASE_URL',
      'CHECK_REJECTED_SHARE_MAX',
    ];
    for (const name of named) expect(message).toContain(name);
    expect(named).toContain(setting);
    expect(message.startsWith(`${setting}: `)).toBe(true);
  });

  test('a missing key and a bad source together', () => {
    const { message } = configError({ SENSOR_API_URL: API.SENSOR_API_URL, SOURCES: 'x' });
    expect(message).toContain('SENSOR_API_KEY');
    expect(message).toContain('SOURCES');
  });
});

describe('secrets stay out of errors', () => {
  const PASSWORD = 'hunter2-Sup3rSecret';

  test.each([
    ['a wrong protocol', `mysql://admin:${PASSWORD}@db.internal:3306/temps`],
    ['an http URL', `http://admin:${PASSWORD}@db.internal/temps`],
    ['an unparsable URL', `postgres://admin:${PASSWORD}@db.internal:port/temps`],
    ['an unparsable URL with spaces', `postgres://admin:${PASSWORD}@db internal/temps`],
  ])('DATABASE_URL with a password and %s', (_label, url) => {
    const { setting, message, error } = configError({ DATABASE_URL: url });
    expect(setting).toBe('DATABASE_URL');
    expect(message).not.toContain(PASSWORD);
    expect(String(error)).not.toContain(PASSWORD);
    expect(error.stack ?? '').not.toContain(PASSWORD);
    expect(util.inspect(error)).not.toContain(PASSWORD);
    expect(JSON.stringify(error)).not.toContain(PASSWORD);
  });

  test('DATABASE_URL with a password, among other errors', () => {
    const { message } = configError({
      SOURCES: 'nope',
      DATABASE_URL: `mysql://admin:${PASSWORD}@db.internal/temps`,
      CORRECTION_STRATEGY: 'x',
    });
    expect(message).toContain('DATABASE_URL');
    expect(message).not.toContain(PASSWORD);
  });

  test('the API key is in no error when another setting is wrong', () => {
    const { message, error } = configError({ ...API, SENSOR_API_KEY: PASSWORD, SENSOR_API_TIMEOUT_MS: 'x' });
    expect(message).not.toContain(PASSWORD);
    expect(util.inspect(error)).not.toContain(PASSWORD);
  });

  test('the API key does not show when the whole config is printed', () => {
    const config = loadConfig({ ...API, SENSOR_API_KEY: PASSWORD });
    expect(JSON.stringify(config)).not.toContain(PASSWORD);
    expect(util.inspect(config, { depth: Infinity })).not.toContain(PASSWORD);
    expect(`${JSON.stringify(config.partnerApi)}`).toContain('***');
  });
});

describe('Secret', () => {
  const VALUE = 'pk_live_do-not-print-4242';
  const secret = new Secret(VALUE);

  test('reveal() gives the value', () => {
    expect(secret.reveal()).toBe(VALUE);
  });

  test('String(), template literals and concatenation show a mask', () => {
    expect(String(secret)).not.toContain(VALUE);
    // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- the point of the test
    expect(`${secret}`).not.toContain(VALUE);
    expect(`key=${secret as unknown as string}`).toBe(`key=${String(secret)}`);
    expect(String(secret)).toContain('***');
    // eslint-disable-next-line @typescript-eslint/restrict-plus-operands -- the point of the test
    expect(secret + '').not.toContain(VALUE);
  });

  test('JSON.stringify shows a mask, alone and nested', () => {
    expect(JSON.stringify(secret)).not.toContain(VALUE);
    expect(JSON.stringify({ auth: { key: secret } })).not.toContain(VALUE);
    expect(JSON.stringify([secret])).toContain('***');
  });

  test('util.inspect, util.format and console-style printing show a mask', () => {
    expect(util.inspect(secret)).not.toContain(VALUE);
    expect(util.inspect({ deep: { deeper: { secret } } }, { depth: Infinity })).not.toContain(VALUE);
    expect(util.inspect(secret, { showHidden: true })).not.toContain(VALUE);
    expect(util.format('%s %o %O %j', secret, secret, secret, secret)).not.toContain(VALUE);
    expect(util.inspect(new Map([['k', secret]]))).not.toContain(VALUE);
  });

  test('spreading or listing its keys exposes nothing', () => {
    expect(JSON.stringify({ ...secret })).not.toContain(VALUE);
    expect(Object.values(secret)).not.toContain(VALUE);
    expect(
      Object.getOwnPropertyNames(secret).map((k) => (secret as unknown as Record<string, unknown>)[k]),
    ).not.toContain(VALUE);
  });
});
