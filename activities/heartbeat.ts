/**
 * Heartbeats for long activities: the workflow gives them a heartbeat timeout of seconds instead
 * of a long start-to-close one, so a worker killed mid-step is noticed (and the step retried
 * elsewhere) within seconds, while a large hour that is making progress is never timed out.
 * The beat runs on a timer, because the long parts (DuckDB, the object store) run off the event
 * loop; it carries the current stage as progress. Outside an activity (unit tests) it does nothing.
 */
import { Context } from '@temporalio/activity';

export interface Beat {
  stage(name: string): void;
  /**
   * Adds `facts` to every beat's details from now on, and beats: what a retry of this activity
   * reads back (`earlierAttempt`), on whichever worker it runs.
   */
  note(facts: Record<string, unknown>): void;
  stop(): void;
  /** Seconds spent in each stage so far (for the run report and the benchmark). */
  timings(): Record<string, number>;
}

const EVERY_MS = 1_000;

export function startHeartbeat(what: string): Beat {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    context = undefined;
  }
  let stage = 'start';
  const started = Date.now();
  let stageStarted = started;
  const spent: Record<string, number> = {};
  const close = () => {
    const now = Date.now();
    spent[stage] = (spent[stage] ?? 0) + (now - stageStarted) / 1000;
    stageStarted = now;
  };
  let notes: Record<string, unknown> = {};
  const beat = () =>
    context?.heartbeat({ ...notes, what, stage, seconds: Math.round((Date.now() - started) / 1000) });
  beat();
  const timer = context === undefined ? undefined : setInterval(beat, EVERY_MS);
  return {
    stage(name) {
      close();
      stage = name;
      beat();
    },
    note(facts) {
      notes = { ...notes, ...facts };
      beat();
    },
    stop: () => clearInterval(timer),
    timings() {
      close();
      return Object.fromEntries(Object.entries(spent).map(([k, v]) => [k, Math.round(v * 100) / 100]));
    },
  };
}

/**
 * The details of the last beat an earlier attempt of this activity recorded (undefined on a first
 * attempt, or outside an activity). Temporal records a beat's details at most every 0.8 × the
 * heartbeat timeout: facts noted in the last seconds before a worker died may be missing.
 */
export function earlierAttempt(): Record<string, unknown> | undefined {
  try {
    const details: unknown = Context.current().info.heartbeatDetails;
    return typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `work` with a heartbeat running. */
export async function withHeartbeat<T>(what: string, work: (beat: Beat) => Promise<T>): Promise<T> {
  const beat = startHeartbeat(what);
  try {
    return await work(beat);
  } finally {
    beat.stop();
  }
}

/**
 * Aborts when Temporal cancels the activity (the worker shutting down, the workflow cancelled);
 * cancellation reaches an activity through its heartbeats. Undefined outside an activity.
 */
export function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
