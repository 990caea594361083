/**
 * The logger masks secrets by itself: configured values anywhere in a line (message, nested fields,
 * error messages, JSON-escaped), fields named like secrets, in JSON and in readable output.
 */
import { Writable } from 'node:stream';
import {
  createLogger,
  configuredSecrets,
  resolveLogFormat,
  REDACTED,
} from '../../adapters/observability/logger';
import { loadConfig } from '../../config';

const KEY = 'sk_live_7f3c9a1b';
const PASSWORD = 'p@ss"w0rd\\x';

function capture(format: 'json' | 'pretty', level: 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level, format, secrets: [KEY, PASSWORD, 'ab'], destination });
  return { logger, lines };
}

test('JSON lines: a secret in the message, a nested field and an error message is masked; the line stays JSON', () => {
  const { logger, lines } = capture('json');
  logger.info(
    { request: { url: `https://x/?k=${KEY}` }, err: new Error(`login with ${PASSWORD} failed`) },
    `key ${KEY}`,
  );
  expect(lines).toHaveLength(1);
  const line = lines[0] ?? '';
  expect(line).not.toContain(KEY);
  expect(line).not.toContain('p@ss');
  const record = JSON.parse(line) as { msg: string; request: { url: string }; err: { message: string } };
  expect(record.msg).toBe(`key ${REDACTED}`);
  expect(record.request.url).toBe(`https://x/?k=${REDACTED}`);
  expect(record.err.message).toBe(`login with ${REDACTED} failed`);
});

test('fields named like secrets are redacted whatever their value', () => {
  const { logger, lines } = capture('json');
  logger.info({ apiKey: 'anything', headers: { 'x-api-key': 'other' }, db: { password: 'zzz' } }, 'call');
  const record = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  expect(record.apiKey).toBe(REDACTED);
  expect(record.headers).toEqual({ 'x-api-key': REDACTED });
  expect(record.db).toEqual({ password: REDACTED });
});

test('readable lines are masked too, and lead with the import context', () => {
  const { logger, lines } = capture('pretty');
  logger.info(
    { importHour: '2026-11-29T15:00:00Z', source: 'partner-api', activity: 'fetchSource' },
    `sent ${KEY}`,
  );
  expect(lines.join('\n')).not.toContain(KEY);
  expect(lines[0]).toContain(`[2026-11-29T15:00:00Z partner-api fetchSource] sent ${REDACTED}`);
});

test('short values are not treated as secrets (they would blank out words); levels filter', () => {
  const { logger, lines } = capture('json', 'warn');
  logger.info('dropped');
  logger.warn('about tabs');
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'warn', msg: 'about tabs' });
});

test('the configured secrets: the API keys, the database password (decoded too) and the role passwords', () => {
  const config = loadConfig({
    SENSOR_API_URL: 'https://partner.example/v1',
    SENSOR_API_KEY: KEY,
    DATABASE_URL: 'postgres://worker:s%40cret99@db:5432/t',
    TEMPORAL_API_KEY: 'tmprl_abcdef',
    DATABASE_ANALYST_PASSWORD: 'analyst-pw-1',
  });
  expect(configuredSecrets(config).sort()).toEqual(
    [KEY, 's%40cret99', 's@cret99', 'tmprl_abcdef', 'analyst-pw-1'].sort(),
  );
});

test('LOG_FORMAT wins; otherwise readable for a person, JSON when stdout is not a terminal', () => {
  expect(resolveLogFormat('json', true)).toBe('json');
  expect(resolveLogFormat('pretty', false)).toBe('pretty');
  expect(resolveLogFormat(undefined, true)).toBe('pretty');
  expect(resolveLogFormat(undefined, false)).toBe(process.stdout.isTTY ? 'pretty' : 'json');
});
