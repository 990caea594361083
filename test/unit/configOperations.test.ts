/**
 * The operations settings (issue 9): logs, metrics ports, Temporal TLS/mTLS and API key, role
 * passwords; what the client and worker connections receive; the import hour in workflow ids.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { loadConfig } from '../../config';
import { isConfigError } from '../../core/errors';
import { temporalConnectionOptions } from '../../adapters/temporal/connection';
import { importHourOfWorkflowId, workflowIdForHour } from '../../core/importHour';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (isConfigError(error)) return error.message;
    throw error;
  }
  throw new Error('no ConfigError');
}

test('defaults: info level, format chosen at start, no metrics, plain Temporal, no role password', () => {
  const config = loadConfig({});
  expect(config.observability).toEqual({
    logLevel: 'info',
    logFormat: undefined,
    metricsPort: undefined,
    temporalMetricsPort: undefined,
    tracing: { endpoint: undefined, serviceName: 'temperature-pipeline' },
  });
  expect(config.temporal.tls).toBeUndefined();
  expect(config.temporal.apiKey).toBeUndefined();
  expect(config.rolePasswords).toEqual({});
  expect(temporalConnectionOptions(config.temporal)).toEqual({ address: 'localhost:7233' });
});

test('LOG_LEVEL, LOG_FORMAT and the ports are validated, naming the setting', () => {
  expect(configError({ LOG_LEVEL: 'verbose' })).toBe(
    'LOG_LEVEL: "verbose" is not one of trace, debug, info, warn, error',
  );
  expect(configError({ LOG_FORMAT: 'xml' })).toBe('LOG_FORMAT: "xml" is not one of json, pretty');
  expect(configError({ METRICS_PORT: '70000' })).toBe('METRICS_PORT: "70000" is not an integer in 1..65535');
  expect(configError({ TEMPORAL_METRICS_PORT: 'x' })).toMatch(/^TEMPORAL_METRICS_PORT: /);
  const config = loadConfig({
    LOG_LEVEL: 'debug',
    LOG_FORMAT: 'json',
    METRICS_PORT: '9464',
    TEMPORAL_METRICS_PORT: '9465',
  });
  expect(config.observability).toEqual({
    logLevel: 'debug',
    logFormat: 'json',
    metricsPort: 9464,
    temporalMetricsPort: 9465,
    tracing: { endpoint: undefined, serviceName: 'temperature-pipeline' },
  });
});

test('traces: on with an OTLP endpoint (the traces one first), off with OTEL_SDK_DISABLED, a bad URL named', () => {
  const endpoint = 'http://collector:4318';
  expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }).observability.tracing.endpoint).toBe(endpoint);
  expect(
    loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/v1/traces',
      OTEL_SERVICE_NAME: 'pipeline-eu',
    }).observability.tracing,
  ).toEqual({ endpoint: 'http://traces:4318/v1/traces', serviceName: 'pipeline-eu' });
  expect(
    loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'true' }).observability.tracing
      .endpoint,
  ).toBeUndefined();
  expect(configError({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toMatch(
    /^OTEL_EXPORTER_OTLP_ENDPOINT: /,
  );
});

describe('Temporal TLS and API key', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-tls-'));
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const ca = file('ca.pem', 'CA');
  const cert = file('client.pem', 'CERT');
  const key = file('client.key', 'KEY');

  test('mTLS files are read into the connection options, with the server name', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'ns.tmprl.cloud:7233',
      TEMPORAL_TLS_CA_FILE: ca,
      TEMPORAL_TLS_CERT_FILE: cert,
      TEMPORAL_TLS_KEY_FILE: key,
      TEMPORAL_TLS_SERVER_NAME: 'ns.tmprl.cloud',
    });
    const options = temporalConnectionOptions(config.temporal);
    expect(options.address).toBe('ns.tmprl.cloud:7233');
    expect(options.tls?.serverNameOverride).toBe('ns.tmprl.cloud');
    expect(Buffer.from(options.tls?.serverRootCACertificate ?? []).toString()).toBe('CA');
    expect(Buffer.from(options.tls?.clientCertPair?.crt ?? []).toString()).toBe('CERT');
    expect(Buffer.from(options.tls?.clientCertPair?.key ?? []).toString()).toBe('KEY');
  });

  test('an API key turns TLS on, reaches the connection, and never prints', () => {
    const config = loadConfig({ TEMPORAL_API_KEY: 'tmprl_secret_123' });
    expect(temporalConnectionOptions(config.temporal)).toEqual({
      address: 'localhost:7233',
      tls: {},
      apiKey: 'tmprl_secret_123',
    });
    expect(JSON.stringify(config)).not.toContain('tmprl_secret_123');
    expect(util.inspect(config, { depth: 10 })).not.toContain('tmprl_secret_123');
  });

  test('TEMPORAL_TLS=true alone: TLS with the system roots', () => {
    expect(temporalConnectionOptions(loadConfig({ TEMPORAL_TLS: 'true' }).temporal).tls).toEqual({});
  });

  test('a missing certificate file, or a certificate without its key, stops the start naming the setting', () => {
    expect(configError({ TEMPORAL_TLS_CA_FILE: path.join(dir, 'nope.pem') })).toBe(
      `TEMPORAL_TLS_CA_FILE: no file at ${path.join(dir, 'nope.pem')}`,
    );
    expect(configError({ TEMPORAL_TLS_CERT_FILE: cert })).toMatch(
      /^TEMPORAL_TLS_CERT_FILE: and TEMPORAL_TLS_KEY_FILE must be set together/,
    );
  });
});

test('role passwords are secrets', () => {
  const config = loadConfig({ DATABASE_WORKER_PASSWORD: 'w-secret-9' });
  expect(config.rolePasswords.worker?.reveal()).toBe('w-secret-9');
  expect(JSON.stringify(config)).not.toContain('w-secret-9');
});

test('the import hour in workflow ids: manual and backfill runs, the schedule, anything else', () => {
  expect(importHourOfWorkflowId(workflowIdForHour(new Date('2026-11-29T15:00:00Z')))).toBe(
    '2026-11-29T15:00:00Z',
  );
  // The schedule appends its nominal time to the id "hourly-import".
  expect(importHourOfWorkflowId('hourly-import-2026-11-29T16:00:00Z')).toBe('2026-11-29T16:00:00Z');
  expect(importHourOfWorkflowId('backfill-2026-11-29')).toBeUndefined();
  expect(importHourOfWorkflowId('hourly-import-soon')).toBeUndefined();
});
