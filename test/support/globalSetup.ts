/**
 * One Temporal dev server and one workflow bundle for the whole integration run: starting a server
 * or bundling per test file would cost minutes on a 2-core machine. Test files find both through
 * environment variables, which jest's worker processes inherit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startSeaweed, type SeaweedServer } from '../../adapters/objectStore/seaweed';
import { startDevServer, type DevServer } from '../../adapters/temporal/devServer';

declare global {
  var __TEMPORAL_DEV_SERVER__: DevServer | undefined;
  var __SEAWEED_SERVER__: SeaweedServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  // Workflow and schedule ids are unique per namespace: each test file takes a namespace of its own
  // (see test/support/namespaces.ts) so that files running in parallel never meet.
  const namespaces = Array.from({ length: 12 }, (_, i) => `tp-test-${i}`);
  // One SeaweedFS (S3) for the run too, started alongside; each test takes a key prefix of its own.
  const [server, seaweed] = await Promise.all([
    startDevServer({ readyTimeoutMs: 120_000, namespaces: ['default', ...namespaces] }),
    startSeaweed({ bucket: 'tp-test', readyTimeoutMs: 120_000 }),
  ]);
  globalThis.__TEMPORAL_DEV_SERVER__ = server;
  globalThis.__SEAWEED_SERVER__ = seaweed;
  process.env.TEST_S3_ENDPOINT = seaweed.endpoint;
  process.env.TEST_S3_BUCKET = seaweed.bucket;
  process.env.TEST_S3_ACCESS_KEY_ID = seaweed.s3.credentials?.accessKeyId;
  process.env.TEST_S3_SECRET_ACCESS_KEY = seaweed.s3.credentials?.secretAccessKey.reveal();
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  process.env.TEST_TEMPORAL_NAMESPACES = namespaces.join(',');
  process.env.TEST_NAMESPACE_LOCKS = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-namespaces-'));

  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: {
      info: () => undefined,
      warn: () => undefined,
      error: console.error,
      debug: () => undefined,
      trace: () => undefined,
      log: () => undefined,
    },
  });
  const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bundle-')), 'workflows.js');
  fs.writeFileSync(bundlePath, code);
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
}
