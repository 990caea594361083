/**
 * Our own side's failures after the answer arrived are retried inside the activity: the landing
 * store or the disk away for a while costs waiting, never a second call to the source. Backoff 1 s
 * ×2 up to 15 s, within LANDING_STORE_RETRY_BUDGET_MS; the activity's heartbeat runs on its timer
 * meanwhile (heartbeat.ts), so Temporal knows the worker is alive. Past the budget the error goes
 * to Temporal, whose next attempt finds the parked answer (adapters/files/parkedAnswers.ts).
 */
import { log } from '@temporalio/activity';
import { deepestMessage, isRetryable, originOf } from '../core/errors';
import type { Beat } from './heartbeat';

const OUR_STORE_SIDE = new Set(['landing-store', 'disk']);

export async function retryOwnSide<T>(
  what: string,
  budgetMs: number,
  beat: Beat,
  work: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let delay = 1_000; ; delay = Math.min(delay * 2, 15_000)) {
    try {
      return await work();
    } catch (error) {
      const ours = isRetryable(error) && OUR_STORE_SIDE.has(originOf(error).component);
      if (!ours || Date.now() + delay > deadline) throw error;
      beat.stage(`${what}: retrying in ${delay / 1000} s (${originOf(error).component})`);
      log.warn(`${what} failed; retrying within LANDING_STORE_RETRY_BUDGET_MS`, {
        error: deepestMessage(error),
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
