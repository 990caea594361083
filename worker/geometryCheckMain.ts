/**
 * Child process of worker/runtime.ts: checks the region polygons' geometry
 * (adapters/regions/geometry.ts). argv[2]: the regions' source (RegionsSource, JSON); argv[3]: the
 * overlap tolerance; argv[4]: the content hash the worker loaded. Exit 0: valid. Exit
 * KNOWN_ERROR_EXIT: a RegionsError, its message on the last line of stderr. Anything else: a failure of the check.
 */
import { loadRegionSet } from '../adapters/regions';
import { checkRegionGeometry } from '../adapters/regions/geometry';
import { isRegionsError } from '../core/errors';
import { KNOWN_ERROR_EXIT } from './child';

async function main(): Promise<void> {
  const [source, tolerance, hash] = process.argv.slice(2);
  if (source === undefined || tolerance === undefined || hash === undefined)
    throw new Error('usage: geometryCheckMain <regions source JSON> <overlap tolerance> <hash>');
  const set = await loadRegionSet(JSON.parse(source) as Parameters<typeof loadRegionSet>[0]);
  if (set.hash !== hash)
    throw new Error(`the regions changed while the worker started (hash ${set.hash}, not ${hash})`);
  checkRegionGeometry(set, { overlapTolerance: Number(tolerance) });
}

if (require.main === module)
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(isRegionsError(error) ? KNOWN_ERROR_EXIT : 1);
  });
