/** Import hours for end-to-end tests that run one scenario per hour. */
import { addHours, truncateToHour } from '../../core/importHour';

/**
 * A fresh import hour per call, newest first: `hoursAgo` hours before the current hour, then one
 * hour earlier at each call. The sources serve the present, so each scenario fetches an hour of its
 * own that the pipeline may still fetch (the tests set FETCH_MAX_LAG_HOURS=48).
 */
export function freshHours(hoursAgo = 1, now = new Date()): () => Date {
  const current = truncateToHour(now);
  let next = hoursAgo;
  return () => addHours(current, -next++);
}
