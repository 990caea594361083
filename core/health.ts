/**
 * Is the pipeline healthy? The rules behind `tempctl status` (and its exit code), from facts read
 * elsewhere: the ledger, the quarantine, the backups and the schedule. The thresholds are the alert
 * rules' (deploy/prometheus/alerts.yml), so the command and the alerts agree.
 */
import { hoursFrom } from './importHour';
import type { EndedRunStatus } from './policies';
import type { FailureOrigin } from './failureOrigin';

export type HealthLevel = 'healthy' | 'degraded' | 'failing';

/** Exit codes for cron and Nagios-style checks: 0 healthy, 1 degraded, 2 failing. */
export const EXIT_CODE: Record<HealthLevel, number> = { healthy: 0, degraded: 1, failing: 2 };

/** No succeeded import for this long is a failure (the TemperatureImportStale alert). */
export const STALE_AFTER_HOURS = 2;
/** Backups this many hours behind the newest finished hour are a problem (TemperatureBackupsBehind). */
export const BACKUP_LAG_HOURS = 1;

export interface HourState {
  /** ISO import hour. */
  hour: string;
  /** The status of the hour's latest finished run. */
  status: EndedRunStatus;
  finishedAt: string;
  error: string | null;
  /** The part that failed and the setting to check, as the run's report recorded it. */
  failure?: FailureOrigin | null;
  /** Sources that failed in that run, by name. */
  failedSources: string[];
  /** Readings that counted in the hour, and those outside every region (from the run's report). */
  counted: number;
  outside: number;
}

export interface PipelineState {
  /** The newest import hour with a run that succeeded, and the newest finish time of such a run. */
  lastSuccess: { hour: string; finishedAt: string } | null;
  /** Per source: the same, counting runs (succeeded or incomplete) in which that source delivered. */
  lastSuccessBySource: { source: string; hour: string; finishedAt: string }[];
  /** The newest finished import hours, newest first. */
  latestHours: HourState[];
  /** Points per region in the newest hour that has aggregates (regions with none are absent). */
  latestRegionPoints: { hour: string; points: Record<string, number> } | null;
  /** Records landed for the recent import hours: valid readings and quarantined. */
  recent: { readings: number; quarantined: number };
  /** The newest hour with a complete backup (a manifest), ISO. */
  latestBackupHour: string | null;
}

export interface ScheduleState {
  paused: boolean;
  note: string | undefined;
  nextRuns: string[];
}

export interface HealthFacts {
  now: Date;
  state: PipelineState;
  /** null: the schedule does not exist; an Error's message: Temporal could not be asked. */
  schedule: ScheduleState | null | { unreachable: string };
  /** CHECK_REJECTED_SHARE_MAX. */
  rejectedShareLimit: number;
}

export interface Finding {
  level: Exclude<HealthLevel, 'healthy'>;
  message: string;
}

export interface HealthReport {
  level: HealthLevel;
  exitCode: number;
  findings: Finding[];
  /** Hours since the newest succeeded run finished; null when none ever did. */
  freshnessHours: number | null;
  /** The quarantine's share of the recent records (0..1); null when nothing was landed. */
  quarantineShare: number | null;
  /** Hours between the newest finished hour and the newest backup; null when nothing to compare. */
  backupLagHours: number | null;
}

export function evaluateHealth(facts: HealthFacts): HealthReport {
  const findings: Finding[] = [];
  const { state } = facts;
  const fail = (message: string) => findings.push({ level: 'failing', message });
  const warn = (message: string) => findings.push({ level: 'degraded', message });

  const freshnessHours = state.lastSuccess
    ? hoursFrom(Date.parse(state.lastSuccess.finishedAt), facts.now)
    : null;
  if (freshnessHours === null) fail('no import has ever succeeded');
  else if (freshnessHours > STALE_AFTER_HOURS)
    fail(`no successful import for ${freshnessHours.toFixed(1)} h (limit ${STALE_AFTER_HOURS} h)`);

  const newest = state.latestHours[0];
  if (newest?.status === 'failed') {
    const part = newest.failure ? ` in ${newest.failure.component} (check ${newest.failure.setting})` : '';
    fail(`${newest.hour} failed${part}: ${newest.error ?? 'no error recorded'}`);
  }
  if (newest?.status === 'incomplete') warn(`${newest.hour} is incomplete`);
  if (newest && newest.failedSources.length > 0)
    warn(`failing sources in ${newest.hour}: ${newest.failedSources.join(', ')}`);

  const schedule = facts.schedule;
  if (schedule === null) warn('the hourly schedule does not exist (tempctl schedule apply)');
  else if ('unreachable' in schedule) fail(`Temporal cannot be asked: ${schedule.unreachable}`);
  else if (schedule.paused) warn(`the schedule is paused${schedule.note ? ` (${schedule.note})` : ''}`);

  const landed = state.recent.readings + state.recent.quarantined;
  const quarantineShare = landed === 0 ? null : state.recent.quarantined / landed;
  if (quarantineShare !== null && quarantineShare > facts.rejectedShareLimit) {
    warn(
      `${(quarantineShare * 100).toFixed(1)}% of recent records quarantined (limit ${(facts.rejectedShareLimit * 100).toFixed(1)}%)`,
    );
  }

  let backupLagHours: number | null = null;
  if (newest) {
    if (state.latestBackupHour === null) warn('no backup at all');
    else {
      backupLagHours = hoursFrom(Date.parse(state.latestBackupHour), Date.parse(newest.hour));
      if (backupLagHours > BACKUP_LAG_HOURS)
        warn(`backups are ${backupLagHours} h behind (newest ${state.latestBackupHour})`);
    }
  }

  const level: HealthLevel = findings.some((f) => f.level === 'failing')
    ? 'failing'
    : findings.length > 0
      ? 'degraded'
      : 'healthy';
  return { level, exitCode: EXIT_CODE[level], findings, freshnessHours, quarantineShare, backupLagHours };
}
