// The workflows this worker registers; the worker bundles this file.
export { hourlyImport } from './hourlyImport';
// Retired (tempctl backfill starts backfillWindow): registered so that its runs started before replay.
export { backfill } from './backfill';
export { backfillWindow } from './backfillWindow';
