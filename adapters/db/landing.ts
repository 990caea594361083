/**
 * Lands a source batch: the batch row, every valid reading and every rejected record, in one
 * transaction, so a batch is either fully landed or not at all. Keyed by (source, batch key):
 * landing the same batch again (an activity retry) changes nothing and says so.
 */
import type { Knex } from 'knex';
import {
  countReasons,
  planLanding,
  validateAll,
  type KnownReading,
  type LandingCounts,
  type LandingPlan,
  type ReceivedRecord,
} from '../../core/landingPlan';
import { storableJson, storableString } from '../../core/safeText';
import type { ValidationLimits } from '../../core/reading';
import { affectedRows } from './connection';

const CHUNK = 1_000;

export interface LandingInput {
  importHour: Date;
  source: string;
  batchKey: string;
  runId: string;
  fetchedAt: Date;
  records: readonly unknown[];
  /** Each record's text as sent, in the order of `records`, when the source had one. */
  texts?: readonly (string | undefined)[];
  /** Records that could not be read at all: straight to quarantine with their reason. */
  unreadable?: readonly ReceivedRecord[];
  limits: ValidationLimits;
  /** For a refetch: the key prefix of this hour's earlier batches that the new batch replaces. */
  supersedePrefix?: string;
}

export interface LandingResult extends LandingCounts {
  batchId: number;
  alreadyLanded: boolean;
  correctedHours: Date[];
  /** The run that landed the batch: another run's when a file was dropped again unchanged. */
  landedByRun: string;
}

type StoredBatch = { batch_id: number; run_id: string; summary: LandingResult } | undefined;

function withSummary(row: StoredBatch): { batchId: number; summary: LandingResult } | undefined {
  if (!row) return undefined;
  const correctedHours = row.summary.correctedHours.map((hour) => new Date(hour));
  return { batchId: row.batch_id, summary: { ...row.summary, correctedHours, landedByRun: row.run_id } };
}

/** The landing summary of a batch already landed under this key, if any. */
async function findBatch(db: Knex, source: string, batchKey: string) {
  return withSummary(
    (await db('fetch_batches')
      .where({ source, batch_key: batchKey })
      .first('batch_id', 'run_id', 'summary')) as StoredBatch,
  );
}

async function retireBatches(
  trx: Knex.Transaction,
  input: LandingInput,
  keyPrefix: string,
): Promise<{ count: number; correctedHours: Date[] }> {
  const batches = trx('fetch_batches')
    .where({ source: input.source, import_hour: input.importHour })
    .whereLike('batch_key', `${keyPrefix}%`)
    .whereNull('superseded_at');
  const corrected = (await trx('readings')
    .whereIn('batch_id', batches.clone().select('batch_id'))
    .whereNot('belongs_to_hour', input.importHour)
    .distinct('belongs_to_hour')) as { belongs_to_hour: Date }[];
  const count = affectedRows(await batches.update({ superseded_at: input.fetchedAt }));
  return { count, correctedHours: corrected.map((row) => row.belongs_to_hour) };
}

function uniqueHours(hours: Date[]): Date[] {
  const byTime = new Map(hours.map((hour) => [hour.getTime(), hour]));
  return [...byTime.values()].sort((a, b) => a.getTime() - b.getTime());
}

async function knownVersions(trx: Knex, source: string, ids: string[]): Promise<Map<string, KnownReading>> {
  const known = new Map<string, KnownReading>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    // Only versions that still count (not in a batch a refetch replaced), oldest first, so the
    // last row seen for an id is its newest version.
    const rows = (await trx('readings as r')
      .join('fetch_batches as b', 'b.batch_id', 'r.batch_id')
      .whereNull('b.superseded_at')
      .where('r.source', source)
      .whereIn('r.reading_id', ids.slice(i, i + CHUNK))
      .orderBy([{ column: 'r.received_at' }, { column: 'r.row_id' }])
      .select('r.reading_id', 'r.content_hash', 'r.belongs_to_hour')) as {
      reading_id: string;
      content_hash: string;
      belongs_to_hour: Date;
    }[];
    for (const row of rows) {
      const belongsToHour = known.get(row.reading_id)?.belongsToHour ?? row.belongs_to_hour;
      known.set(row.reading_id, { latestContentHash: row.content_hash, belongsToHour });
    }
  }
  return known;
}

export async function landBatch(db: Knex, input: LandingInput): Promise<LandingResult> {
  return db.transaction(async (trx) => {
    const existing = await findBatch(trx, input.source, input.batchKey);
    if (existing) return { ...existing.summary, alreadyLanded: true };

    // A refetch first retires the hour's earlier batch, so that what it re-sends is compared with
    // the readings that still count, and lands again instead of passing for a duplicate.
    const retired =
      input.supersedePrefix === undefined
        ? undefined
        : await retireBatches(trx, input, input.supersedePrefix);
    const { valid, rejections } = validateAll(input.records, input.limits, input.texts);
    for (const record of input.unreadable ?? []) {
      if (record.unreadable) rejections.push({ raw: null, reasons: [record.unreadable], text: record.text });
    }
    const fetched = input.records.length + (input.unreadable?.length ?? 0);
    const known = await knownVersions(trx, input.source, [...new Set(valid.map((v) => v.reading.id))]);
    const plan = planLanding(valid, rejections, known, input.importHour);
    // Corrections the retired batch carried no longer count: their hours must be recomputed too.
    plan.correctedHours = uniqueHours([...plan.correctedHours, ...(retired?.correctedHours ?? [])]);
    const replacedBatches = retired?.count ?? 0;

    const [inserted] = (await trx('fetch_batches')
      .insert({
        import_hour: input.importHour,
        source: input.source,
        batch_key: input.batchKey,
        run_id: input.runId,
        fetched_at: input.fetchedAt,
        record_count: fetched,
      })
      .returning('batch_id')) as { batch_id: number }[];
    const batchId = (inserted as { batch_id: number }).batch_id;
    const summary = summarise(batchId, input.runId, fetched, plan, replacedBatches);
    await trx('fetch_batches')
      .where('batch_id', batchId)
      .update({ summary: JSON.stringify(summary) });

    const readingRows = plan.readings.map(({ reading, contentHash, belongsToHour, raw }) => ({
      batch_id: batchId,
      import_hour: input.importHour,
      belongs_to_hour: belongsToHour,
      source: input.source,
      reading_id: reading.id,
      content_hash: contentHash,
      measured_at: reading.timestamp,
      lat: reading.lat,
      lon: reading.lon,
      temperature: reading.temperature,
      country: reading.country,
      received_at: input.fetchedAt,
      raw: toJsonb(raw),
    }));
    const quarantineRows = plan.rejections.map(({ raw, reasons, text }) => ({
      batch_id: batchId,
      import_hour: input.importHour,
      source: input.source,
      raw: toJsonb(raw),
      // As sent: jsonb would rewrite -0.0 and 1e400, and cannot hold NaN; only NUL and broken
      // UTF-16, which no PostgreSQL text can hold, are replaced.
      raw_text: text === undefined ? null : storableString(text),
      reasons: JSON.stringify(reasons),
      received_at: input.fetchedAt,
    }));
    await insertChunked(trx, 'readings', readingRows);
    await insertChunked(trx, 'quarantine', quarantineRows);
    return summary;
  });
}

/**
 * A received record as jsonb, as close to verbatim as PostgreSQL allows: jsonb refuses NUL and lone
 * surrogates (in keys and strings, replaced by U+FFFD) and non-finite numbers (null); a record
 * nested too deep is stored as null (its text is kept in the quarantine). Without this one such
 * record would fail its whole batch, again at every retry.
 */
export function toJsonb(raw: unknown): string {
  return storableJson(raw) ?? 'null';
}

async function insertChunked(trx: Knex.Transaction, table: string, rows: object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await trx(table).insert(rows.slice(i, i + CHUNK));
}

function summarise(
  batchId: number,
  runId: string,
  fetched: number,
  plan: LandingPlan,
  replacedBatches: number,
): LandingResult {
  return {
    landedByRun: runId,
    replacedBatches,
    batchId,
    alreadyLanded: false,
    fetched,
    valid: plan.readings.length,
    rejected: plan.rejections.length,
    rejectedByReason: countReasons(plan.rejections),
    duplicates: plan.duplicates,
    corrections: plan.readings.filter((r) => r.isCorrection).length,
    correctedHours: plan.correctedHours,
  };
}

/** The hour's current batches (not superseded), oldest first, with their keys and landing summaries. */
export async function liveBatches(
  db: Knex,
  hour: Date,
  source?: string,
): Promise<{ source: string; batchKey: string; summary: LandingResult }[]> {
  const query = db('fetch_batches').where('import_hour', hour).whereNull('superseded_at');
  if (source !== undefined) query.where('source', source);
  const rows = (await query
    .orderBy('batch_id')
    .select('batch_id', 'run_id', 'source', 'batch_key', 'summary')) as (NonNullable<StoredBatch> & {
    source: string;
    batch_key: string;
  })[];
  return rows.map((row) => ({
    source: row.source,
    batchKey: row.batch_key,
    summary: withSummary(row)!.summary,
  }));
}
