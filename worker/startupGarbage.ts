/**
 * One full garbage collection once the worker has started. Parsing the region polygons and the
 * first start's geometry check leave garbage in V8's heap, which V8 may keep for a long while: the
 * first large hour then peaked far higher (issue 8 measures each worker's peak RSS; figures:
 * docs/scaling.md §2.1). `gc` is not exposed without a flag; V8 lets a running
 * process turn the flag on and reach the function from a new context.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

export function collectStartupGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
}
