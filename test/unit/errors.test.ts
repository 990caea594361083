/**
 * The error hierarchy's type guards and retryable flags, including values that are not our errors
 * and errors from another copy of the module (where instanceof fails but the guards must not).
 */
import {
  BackupError,
  deepestMessage,
  ConfigError,
  DataQualityError,
  isBackupError,
  isConfigError,
  isDataQualityError,
  isPipelineError,
  isRegionsError,
  isRetryable,
  isSourceError,
  PipelineError,
  RegionsError,
  SourceError,
  UnknownSourceError,
} from '../../core/errors';
import { toApplicationFailure } from '../../activities/failures';

const guards = {
  config: isConfigError,
  source: isSourceError,
  regions: isRegionsError,
  backup: isBackupError,
  'data-quality': isDataQualityError,
} as const;

type Kind = keyof typeof guards;

const samples: [Kind, PipelineError, boolean][] = [
  ['config', new ConfigError('DATABASE_URL', 'is not a valid URL'), false],
  ['config', new UnknownSourceError('ftp', ['partner-api', 'file-drop']), false],
  ['source', new SourceError('partner-api', 'HTTP 503', { retryable: true, status: 503 }), true],
  ['source', new SourceError('partner-api', 'HTTP 401', { retryable: false, status: 401 }), false],
  ['regions', new RegionsError('no polygon'), false],
  ['backup', new BackupError('checksum mismatch'), false],
  ['backup', new BackupError('disk busy', { retryable: true }), true],
  ['data-quality', new DataQualityError('no valid reading'), false],
];

describe.each(samples)('%s error (%#)', (kind, error, retryable) => {
  test('is a pipeline error, an Error, and of its own kind only', () => {
    expect(isPipelineError(error)).toBe(true);
    expect(error).toBeInstanceOf(Error);
    expect(error.kind).toBe(kind);
    for (const [guardKind, guard] of Object.entries(guards)) {
      expect(guard(error)).toBe(guardKind === kind);
    }
  });

  test(`retryable is ${String(retryable)}`, () => {
    expect(error.retryable).toBe(retryable);
    expect(isRetryable(error)).toBe(retryable);
  });

  test('is named after its class', () => {
    expect(error.name).toBe(error.constructor.name);
    expect(String(error)).toContain(error.name);
  });
});

describe('details carried by the errors', () => {
  test('ConfigError names the setting first', () => {
    const error = new ConfigError('SOURCES', 'names no source');
    expect(error.setting).toBe('SOURCES');
    expect(error.message).toBe('SOURCES: names no source');
  });

  test('SourceError names the source and keeps status, Retry-After and cause', () => {
    const cause = new Error('socket hang up');
    const error = new SourceError('partner-api', 'too many requests', {
      retryable: true,
      status: 429,
      retryAfterMs: 2_000,
      cause,
    });
    expect(error.source).toBe('partner-api');
    expect(error.message).toBe('partner-api: too many requests');
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(2_000);
    expect(error.cause).toBe(cause);
  });

  test('SourceError without status or cause leaves them undefined', () => {
    const error = new SourceError('file-drop', 'unreadable', { retryable: false });
    expect(error.status).toBeUndefined();
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.cause).toBeUndefined();
    expect('cause' in error).toBe(false);
  });
});

describe('as Temporal failures (activities/failures.ts)', () => {
  test.each([
    [new ConfigError('SENSOR_API_URL', 'is not set'), 'ConfigError', 'SENSOR_API_URL: is not set'],
    [
      new UnknownSourceError('ftp', ['partner-api', 'file-drop']),
      'UnknownSourceError',
      'SOURCES: source ftp is not configured on this worker (it has partner-api, file-drop)',
    ],
  ])('%s is a non-retryable failure of its own type', (error, type, message) => {
    const failure = toApplicationFailure(error);
    expect(failure).toMatchObject({ type, message, nonRetryable: true });
  });

  test('an unknown error (a bug) stays retryable', () => {
    expect(toApplicationFailure(new Error('oops'))).toMatchObject({ type: 'Error', nonRetryable: false });
  });

  test('an unknown source names the setting to check', () => {
    const error = new UnknownSourceError('ftp', []);
    expect(isConfigError(error) && error.setting).toBe('SOURCES');
    expect(error.source).toBe('ftp');
    expect(error.message).toContain('(it has none)');
  });
});

describe('values that are not pipeline errors', () => {
  const foreign: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['a string', 'config'],
    ['a number', 42],
    ['a boolean', true],
    ['a symbol', Symbol('config')],
    ['a function', () => undefined],
    ['an empty object', {}],
    ['an array', []],
    ['an object with a null prototype', Object.create(null) as object],
    ['a plain Error', new Error('boom')],
    ['a TypeError', new TypeError('x is undefined')],
    ['an object with only a kind', { kind: 'config', retryable: false }],
    ['a marker that is not strictly true', { isPipelineError: 'true', kind: 'config', retryable: false }],
    ['a marker of 1', { isPipelineError: 1, kind: 'backup', retryable: false }],
  ];

  test.each(foreign)('%s is not recognised by any guard', (_label, value) => {
    expect(isPipelineError(value)).toBe(false);
    for (const guard of Object.values(guards)) expect(guard(value)).toBe(false);
  });

  test.each(foreign)('%s is retryable: an unknown failure is left to the retry policy', (_label, value) => {
    expect(isRetryable(value)).toBe(true);
  });
});

describe('across realms', () => {
  test('a plain object carrying the marker is recognised by kind and its flag is honoured', () => {
    const shaped = { isPipelineError: true, kind: 'source', retryable: false, message: 'x' };
    expect(isPipelineError(shaped)).toBe(true);
    expect(isSourceError(shaped)).toBe(true);
    expect(isConfigError(shaped)).toBe(false);
    expect(isRetryable(shaped)).toBe(false);
  });

  test('a marked object of an unknown kind is a pipeline error but matches no specific guard', () => {
    const shaped = { isPipelineError: true, kind: 'validation', retryable: true };
    expect(isPipelineError(shaped)).toBe(true);
    for (const guard of Object.values(guards)) expect(guard(shaped)).toBe(false);
    expect(isRetryable(shaped)).toBe(true);
  });

  test('errors from a second copy of the module fail instanceof but pass the guards', async () => {
    let other: typeof import('../../core/errors') | undefined;
    await jest.isolateModulesAsync(async () => {
      other = await import('../../core/errors');
    });
    if (!other) throw new Error('module not loaded');
    expect(other.ConfigError).not.toBe(ConfigError);
    const error = new other.ConfigError('SOURCES', 'names no source');
    expect(error instanceof ConfigError).toBe(false);
    expect(isConfigError(error)).toBe(true);
    expect(isBackupError(error)).toBe(false);
    expect(isRetryable(error)).toBe(false);
    const retryable = new other.SourceError('partner-api', 'HTTP 502', { retryable: true });
    expect(isSourceError(retryable)).toBe(true);
    expect(isRetryable(retryable)).toBe(true);
    // and the other copy's guards recognise ours
    expect(other.isBackupError(new BackupError('x'))).toBe(true);
  });
});

describe('deepestMessage', () => {
  test('gives the message at the end of the cause chain', () => {
    const root = new Error('HTTP 503 from partner');
    const chain = new Error('workflow failed', { cause: new Error('activity failed', { cause: root }) });
    expect(deepestMessage(chain)).toBe('HTTP 503 from partner');
  });

  test('gives the error’s own message when it has no cause, and text for a non-error', () => {
    expect(deepestMessage(new Error('alone'))).toBe('alone');
    expect(deepestMessage('plain text')).toBe('plain text');
  });

  test('stops on a cyclic chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(['a', 'b']).toContain(deepestMessage(a));
  });
});
