/**
 * The workflow bundle, built once per version of the workflow code and kept in DATA_DIR.
 *
 * Why: bundling (webpack) inside the worker raised its peak RSS at every start (docs/scaling.md
 * §2.1), memory the worker then counts against its budget for the hour's work (issue 8's target
 * per worker). Built in a child process instead, the worker only loads the finished code.
 * The file name carries a hash of what goes into the bundle (the workflows, core, which they may
 * import, and the SDK's version), so a changed workflow is never run from a stale bundle.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CODE_EXTENSION, runInChild } from './child';

/**
 * Bundled with the workflows: the import hour on every workflow log line; OpenTelemetry's workflow
 * spans (exported through the worker's sink, dropped when tracing is off: worker/index.ts), then
 * the import hour on the workflow's span (after them, so that their span is the active one).
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [
  require.resolve('../workflows/logContext'),
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
  require.resolve('./workflowTracing'),
];

const ROOT = path.resolve(__dirname, '..');
/** What the workflows may import (eslint's layer rules): their code decides the bundle. */
const BUNDLED_FOLDERS = ['workflows', 'core'];
/** Bundled files outside those folders (WORKFLOW_INTERCEPTOR_MODULES). */
const BUNDLED_FILES = [`worker/workflowTracing${CODE_EXTENSION}`, `worker/tracingNames${CODE_EXTENSION}`];

/** Path of the bundle for the current code in `dir`, built (in a child process) when missing. */
export async function prebuiltWorkflowBundle(dir: string): Promise<{ codePath: string }> {
  const codePath = await workflowBundlePath(dir);
  if (await exists(codePath)) return { codePath };
  await fs.mkdir(dir, { recursive: true });
  const temp = `${codePath}.${process.pid}.tmp`;
  await runInChild(
    require.resolve('./bundleMain'),
    [temp],
    (code, stderr) => new Error(`bundling the workflows failed (exit ${code}): ${stderr}`),
  );
  // Renamed into place: a worker starting alongside sees the whole file or none.
  await fs.rename(temp, codePath);
  return { codePath };
}

/** Where the bundle of the current code goes in `dir` (whether or not it was built). */
export async function workflowBundlePath(dir: string): Promise<string> {
  return path.join(dir, `workflows-${(await sourceHash()).slice(0, 16)}.js`);
}

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const sdk = JSON.parse(await fs.readFile(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as {
    version: string;
  };
  hash.update(`@temporalio/workflow@${sdk.version}\n`);
  for (const file of BUNDLED_FILES) {
    hash.update(`${file}\n`);
    hash.update(await fs.readFile(path.join(ROOT, file)));
  }
  for (const folder of BUNDLED_FOLDERS) {
    const names = (await fs.readdir(path.join(ROOT, folder), { recursive: true }))
      .filter((n) => n.endsWith(CODE_EXTENSION))
      .sort();
    for (const name of names) {
      hash.update(`${folder}/${name}\n`);
      hash.update(await fs.readFile(path.join(ROOT, folder, name)));
    }
  }
  return hash.digest('hex');
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}
