/** Child process of worker/bundle.ts: bundles the workflows into the file named by argv[2]. */
import fs from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from './bundle';

const out = process.argv[2];
if (out === undefined) throw new Error('usage: bundleMain <output file>');
const quiet = () => undefined;
void bundleWorkflowCode({
  workflowsPath: require.resolve('../workflows'),
  workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
  logger: { info: quiet, warn: console.error, error: console.error, debug: quiet, trace: quiet, log: quiet },
}).then(({ code }) => fs.writeFileSync(out, code));
