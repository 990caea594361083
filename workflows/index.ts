// The workflows this worker registers; the worker bundles this file.
export { hourlyImport } from './hourlyImport';
export { backfill } from './backfill';
export { backfillWindow } from './backfillWindow';
