/**
 * The one logger of the program (pino): JSON lines for machines, readable lines for people, and the
 * Temporal SDK's logs (its TypeScript side and, forwarded, its Rust core) through the same pipe.
 *
 * Secrets are masked by the logger itself, twice over: fields whose name says "secret" (apiKey,
 * password, authorization, …) are redacted by pino, and the configured secret values themselves are
 * replaced in every line just before it is written, whatever field or message they hide in.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config, LogFormat, LogLevel } from '../../config';

export type { Logger } from 'pino';

export const REDACTED = '[Redacted]';

/** Field names that hold secrets wherever they appear (two levels deep, as pino's paths go). */
const SECRET_FIELDS = [
  'apiKey',
  'api_key',
  'password',
  'authorization',
  'connectionString',
  'databaseUrl',
  'headers["x-api-key"]',
];
const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]);

/** An import's context, shown first on a readable line. */
const CONTEXT_FIELDS = ['importHour', 'source', 'activity', 'hour', 'workflowId', 'runId', 'workflowType'];
/** SDK fields a person reading the demo does not need (they stay in the JSON lines). */
const SDK_NOISE = ['sdkComponent', 'taskQueue', 'namespace', 'activityId', 'attempt', 'isLocal', 'target'];

/** Shorter strings are not masked: they would blank out ordinary words. */
const MIN_SECRET_LENGTH = 4;

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Values masked wherever they appear in a line (the API keys, the database password). */
  secrets: readonly string[];
  /** Where lines go; stdout when absent (tests pass a stream of their own). */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const secrets = [...new Set(options.secrets)].filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  // The line is JSON here: mask the secret as it is written in JSON, so the line stays valid.
  const encoded = secrets.map((secret) => JSON.stringify(secret).slice(1, -1));
  const scrub = (line: string) =>
    encoded.reduce((masked, secret) => masked.split(secret).join(REDACTED), line);
  const destination =
    options.format === 'json'
      ? (options.destination ?? pino.destination({ dest: 1, sync: true }))
      : pretty({
          sync: true,
          destination: options.destination ?? 1,
          colorize: options.destination === undefined && process.stdout.isTTY === true,
          translateTime: 'UTC:yyyy-mm-dd HH:MM:ss.l',
          // The context leads the line ([hour source activity] message); repeating it below is noise.
          ignore: ['pid', 'hostname', 'service', ...CONTEXT_FIELDS, ...SDK_NOISE].join(','),
          messageFormat: (log, messageKey) => {
            const context = ['importHour', 'source', 'activity']
              .map((k) => log[k])
              .filter((v) => typeof v === 'string');
            const raw = log[messageKey];
            const message = typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? '');
            return context.length > 0 ? `[${context.join(' ')}] ${message}` : message;
          },
        });
  return pino(
    {
      level: options.level,
      base: { service: 'temperature-pipeline' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: pino.stdSerializers.err },
      hooks: { streamWrite: scrub },
    },
    destination,
  );
}

/**
 * The format when LOG_FORMAT is unset: readable for a person (a terminal, the demo), JSON lines for
 * everything else (containers, log shippers).
 */
export function resolveLogFormat(configured: LogFormat | undefined, forPerson: boolean): LogFormat {
  if (configured !== undefined) return configured;
  return forPerson || process.stdout.isTTY === true ? 'pretty' : 'json';
}

/** Every secret value in the configuration: what the logger masks. */
export function configuredSecrets(config: Config): string[] {
  const secrets: string[] = [];
  if (config.partnerApi) secrets.push(config.partnerApi.apiKey.reveal());
  if (config.temporal.apiKey) secrets.push(config.temporal.apiKey.reveal());
  for (const password of Object.values(config.rolePasswords)) secrets.push(password.reveal());
  if (config.database.url !== undefined) {
    const password = new URL(config.database.url).password;
    if (password !== '') secrets.push(password, decodeURIComponent(password));
  }
  return secrets;
}

/** The program's logger from its configuration. */
export function loggerFor(config: Config, options: { forPerson?: boolean } = {}): Logger {
  return createLogger({
    level: config.observability.logLevel,
    format: resolveLogFormat(config.observability.logFormat, options.forPerson === true),
    secrets: configuredSecrets(config),
  });
}
