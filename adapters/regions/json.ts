import { RegionsError } from '../../core/errors';

/** JSON.parse, failing with a RegionsError that names the source. */
export function parseJson(text: string, origin: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RegionsError(`${origin}: not valid JSON (${(error as Error).message})`);
  }
}
