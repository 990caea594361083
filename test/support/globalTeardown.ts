export default async function globalTeardown(): Promise<void> {
  await Promise.all([globalThis.__TEMPORAL_DEV_SERVER__?.stop(), globalThis.__SEAWEED_SERVER__?.stop()]);
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  if (bundle) await import('node:fs').then((fs) => fs.rmSync(bundle, { force: true }));
}
