/**
 * `tempctl status [--json]`: is the pipeline healthy? The schedule, the latest hours, freshness,
 * failing sources, the quarantine's recent share and the backup lag on one screen. Exit code 0
 * healthy, 1 degraded, 2 failing (also when the database cannot be read), for cron or Nagios checks.
 */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../../config';
import { createDatabase } from '../../adapters/db/connection';
import { BackupStore } from '../../adapters/backup/store';
import { BACKUP_STORE, openObjectStore } from '../../adapters/objectStore';
import { readPipelineState } from '../../adapters/observability/state';
import { scheduleHandle } from '../../client/schedule';
import { evaluateHealth, EXIT_CODE, type HealthFacts, type HealthReport } from '../../core/health';
import { deepestMessage } from '../../core/errors';
import { connectClient } from '../../client';
import { LANDING_STORE } from '../../adapters/objectStore';
import { bindObjectStore } from '../../adapters/db/storeIdentity';
import { findUnrecorded, UNRECORDED_GRACE_HOURS } from '../../adapters/landing/unrecorded';
import type { Knex } from 'knex';

/** Objects no batch recorded, older than the grace period (`tempctl unrecorded`); never fails the status. */
export type LandingFacts = { unrecordedObjects: number; graceHours: number } | { unreadable: string };

async function readLanding(config: Config, db: Knex, now: Date): Promise<LandingFacts> {
  try {
    const store = await bindObjectStore(
      db,
      openObjectStore(config.landingStoreUrl, config.s3, LANDING_STORE),
    );
    const before = new Date(now.getTime() - UNRECORDED_GRACE_HOURS * 3_600_000);
    return {
      unrecordedObjects: (await findUnrecorded(db, store, before)).length,
      graceHours: UNRECORDED_GRACE_HOURS,
    };
  } catch (error) {
    return { unreadable: deepestMessage(error) };
  }
}

async function readSchedule(config: Config): Promise<HealthFacts['schedule']> {
  try {
    const client = await connectClient(config);
    try {
      const description = await scheduleHandle(client).describe();
      return {
        paused: description.state.paused,
        note: description.state.note,
        nextRuns: description.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
      };
    } catch (error) {
      if ((error as Error).name === 'ScheduleNotFoundError') return null;
      throw error;
    } finally {
      await client.connection.close();
    }
  } catch (error) {
    return { unreachable: deepestMessage(error) };
  }
}

export async function collectHealth(
  config: Config,
  now = new Date(),
): Promise<{ facts: HealthFacts; report: HealthReport; landing: LandingFacts }> {
  const db = createDatabase(config.database);
  try {
    const [state, schedule] = await Promise.all([
      readPipelineState(db, new BackupStore(openObjectStore(config.backupDir, config.s3, BACKUP_STORE)), now),
      readSchedule(config),
    ]);
    const facts: HealthFacts = { now, state, schedule, rejectedShareLimit: config.quality.rejectedShare.max };
    return { facts, report: evaluateHealth(facts), landing: await readLanding(config, db, now) };
  } finally {
    await db.destroy();
  }
}

function ago(iso: string, now: Date): string {
  const minutes = Math.round((now.getTime() - Date.parse(iso)) / 60_000);
  return minutes < 120 ? `${minutes} min ago` : `${(minutes / 60).toFixed(1)} h ago`;
}

export function formatStatus({
  facts,
  report,
  landing,
}: {
  facts: HealthFacts;
  report: HealthReport;
  landing?: LandingFacts;
}): string {
  const { state, now } = facts;
  const lines = [`temperature pipeline: ${report.level.toUpperCase()} (exit ${report.exitCode})`, ''];
  const row = (label: string, text: string) => lines.push(`${label.padEnd(13)}${text}`);
  const schedule = facts.schedule;
  row(
    'schedule',
    schedule === null
      ? 'missing'
      : 'unreachable' in schedule
        ? `unknown (${schedule.unreachable})`
        : `${schedule.paused ? `PAUSED${schedule.note ? ` (${schedule.note})` : ''}` : 'active'}, next run ${schedule.nextRuns[0] ?? '—'}`,
  );
  row(
    'freshness',
    state.lastSuccess
      ? `last success ${state.lastSuccess.hour}, finished ${ago(state.lastSuccess.finishedAt, now)}`
      : 'no import has succeeded yet',
  );
  row('latest hours', state.latestHours.length === 0 ? 'none finished' : '');
  for (const hour of state.latestHours) {
    const failed =
      hour.failedSources.length > 0
        ? ` (failed: ${hour.failedSources.join(', ')})`
        : hour.status === 'failed' && hour.failure
          ? ` (failed in ${hour.failure.component}: check ${hour.failure.setting})`
          : '';
    lines.push(`  ${hour.hour}  ${hour.status.padEnd(10)} ${hour.counted} readings${failed}`);
  }
  row(
    'sources',
    state.lastSuccessBySource.map((s) => `${s.source} delivered ${s.hour}`).join('; ') ||
      'none delivered yet',
  );
  row(
    'quarantine',
    report.quarantineShare === null
      ? 'nothing landed in 24 h'
      : `${(report.quarantineShare * 100).toFixed(1)}% of 24 h records (${state.recent.quarantined} of ${state.recent.quarantined + state.recent.readings}), limit ${(facts.rejectedShareLimit * 100).toFixed(1)}%`,
  );
  row(
    'backups',
    state.latestBackupHour === null
      ? 'none'
      : `newest ${state.latestBackupHour}${report.backupLagHours === null ? '' : `, ${report.backupLagHours} h behind the latest hour`}`,
  );
  if (landing !== undefined)
    row(
      'unrecorded',
      'unreadable' in landing
        ? `unknown (${landing.unreadable})`
        : `${landing.unrecordedObjects} objects in the landing store no batch recorded, older than ${landing.graceHours} h${landing.unrecordedObjects > 0 ? ' (tempctl unrecorded --delete)' : ''}`,
    );
  if (report.findings.length > 0) {
    lines.push('', 'problems:');
    for (const finding of report.findings) lines.push(`  ${finding.level.padEnd(9)} ${finding.message}`);
  }
  return lines.join('\n');
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('is the pipeline healthy? exit code 0 healthy, 1 degraded, 2 failing')
    .option('--json', 'print the facts and the verdict as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      let result: Awaited<ReturnType<typeof collectHealth>>;
      try {
        result = await collectHealth(config);
      } catch (error) {
        // Cannot tell means failing: a check must not read "healthy" from a database it cannot reach.
        const message = `the pipeline's state cannot be read: ${deepestMessage(error)}`;
        console.log(
          options.json
            ? JSON.stringify({ level: 'failing', exitCode: 2, error: message })
            : `temperature pipeline: FAILING (exit 2)\n\n${message}`,
        );
        process.exitCode = EXIT_CODE.failing;
        return;
      }
      console.log(
        options.json
          ? JSON.stringify({ ...result.report, ...result.facts, landing: result.landing }, null, 2)
          : formatStatus(result),
      );
      process.exitCode = result.report.exitCode;
    });
}
