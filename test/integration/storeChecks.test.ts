/**
 * Issue 25, "a wrong S3 secret, a wrong bucket, a closed S3 port": a real `tempctl worker` against
 * the run's SeaweedFS refuses to start in each case, naming the store and the setting to check,
 * in words that say what the S3 error means; the wrong bucket is not created, and neither the
 * secret nor the key id is ever printed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { s3Client } from '../../adapters/objectStore';
import { startSilentServer } from '../support/tcpProxy';
import { testS3 } from '../support/s3';

const TEMPCTL = path.join(__dirname, '../../bin/tempctl.js');

function worker(env: Record<string, string>) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [TEMPCTL, 'worker'], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_OPTIONS: '',
        LOG_FORMAT: 'json',
        DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tp-storecheck-')),
        SENSOR_API_URL: 'http://127.0.0.1:9/readings',
        SENSOR_API_KEY: 'unused',
        // Never reached: the stores are checked before the database and Temporal.
        DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none',
        TEMPORAL_ADDRESS: '127.0.0.1:9',
        ...env,
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('a worker checks its stores at start', () => {
  const { s3, bucket } = testS3();
  const keyId = s3.credentials?.accessKeyId ?? '';
  const secret = s3.credentials?.secretAccessKey.reveal() ?? '';
  const s3Env = (overrides: Record<string, string> = {}) => ({
    S3_ENDPOINT: s3.endpoint ?? '',
    S3_ACCESS_KEY_ID: keyId,
    S3_SECRET_ACCESS_KEY: secret,
    LANDING_STORE_URL: `s3://${bucket}/landing-check`,
    BACKUP_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tp-storecheck-backup-')),
    ...overrides,
  });

  test('a wrong secret: refuses to start, 403 said as refused credentials, no secret printed', async () => {
    const wrong = 'wrong-secret-7d1f0c2a9b';
    const result = await worker(s3Env({ S3_SECRET_ACCESS_KEY: wrong }));
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      'tempctl: failed: the landing store (check LANDING_STORE_URL, S3_ENDPOINT',
    );
    expect(result.output).toMatch(/access denied \(HTTP 403 [^)]*\): the credentials or their permissions/);
    expect(result.output).toContain('tempctl: the part that failed: landing-store');
    for (const leaked of [wrong, secret, keyId]) expect(result.output).not.toContain(leaked);
  });

  test('a bucket that does not exist: refuses to start naming it, and the bucket is not created', async () => {
    const missing = `tp-missing-${Date.now()}`;
    const result = await worker(s3Env({ BACKUP_DIR: `s3://${missing}/backups` }));
    expect(result.code).toBe(1);
    expect(result.output).toContain('the backup store (check BACKUP_DIR, S3_ENDPOINT');
    expect(result.output).toContain(`bucket ${missing} does not exist (HTTP 404 NoSuchBucket)`);
    const client = s3Client(s3);
    try {
      await expect(client.send(new HeadBucketCommand({ Bucket: missing }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 404 },
      });
    } finally {
      client.destroy();
    }
  });

  test('a closed S3 port: refuses to start, saying the S3 server cannot be reached', async () => {
    const closed = await startSilentServer();
    const port = closed.port;
    await closed.close();
    const result = await worker(s3Env({ S3_ENDPOINT: `http://127.0.0.1:${port}` }));
    expect(result.code).toBe(1);
    expect(result.output).toContain('the landing store (check LANDING_STORE_URL, S3_ENDPOINT');
    expect(result.output).toContain('cannot reach the S3 server (S3_ENDPOINT)');
    expect(result.output).toContain('ECONNREFUSED');
  });

  test('a port that accepts and never answers: refuses to start within S3_TIMEOUT_MS', async () => {
    const silent = await startSilentServer();
    try {
      const result = await worker(
        s3Env({ S3_ENDPOINT: `http://127.0.0.1:${silent.port}`, S3_TIMEOUT_MS: '1500' }),
      );
      expect(result.code).toBe(1);
      expect(result.output).toContain('the landing store (check LANDING_STORE_URL, S3_ENDPOINT');
      expect(result.output).toContain('no answer in time (S3_TIMEOUT_MS)');
    } finally {
      await silent.close();
    }
  });
});
