/**
 * Hands each test file a Temporal namespace of its own, from those the global setup created. The
 * claim is a folder created atomically, so two jest workers never take the same namespace.
 */
import fs from 'node:fs';
import path from 'node:path';

export function claimNamespace(): { namespace: string; release(): void } {
  const namespaces = (process.env.TEST_TEMPORAL_NAMESPACES ?? '').split(',').filter(Boolean);
  const locks = process.env.TEST_NAMESPACE_LOCKS;
  if (!locks || namespaces.length === 0)
    throw new Error('run integration tests through jest: its global setup starts Temporal');
  for (const namespace of namespaces) {
    const lock = path.join(locks, namespace);
    try {
      fs.mkdirSync(lock);
    } catch {
      continue;
    }
    return { namespace, release: () => fs.rmSync(lock, { recursive: true, force: true }) };
  }
  throw new Error(
    `all ${namespaces.length} test namespaces are taken: create more in test/support/globalSetup.ts`,
  );
}
