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
  type LandingPlan,
} from '../../core/landingPlan';
import type { ValidationLimits } from '../../core/reading';

const CHUNK = 1_000;

export interface LandingInput {
  importHour: Date;
  source: string;
  batchKey: string;
  runId: string;
  fetchedAt: Date;
  records: readonly unknown[];
  limits: ValidationLimits;
}

export interface LandingResult {
  batchId: number;
  alreadyLanded: boolean;
  fetched: number;
  valid: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  duplicates: number;
  corrections: number;
  correctedHours: Date[];
}

/** The landing summary of a batch already landed under this key, if any. */
export async function findBatch(
  db: Knex,
  source: string,
  batchKey: string,
): Promise<{ batchId: number; summary: LandingResult } | undefined> {
  const row = (await db('fetch_batches')
    .where({ source, batch_key: batchKey })
    .first('batch_id', 'summary')) as { batch_id: number; summary: LandingResult } | undefined;
  if (!row) return undefined;
  const correctedHours = row.summary.correctedHours.map((hour) => new Date(hour));
  return { batchId: row.batch_id, summary: { ...row.summary, correctedHours } };
}

async function knownVersions(trx: Knex, source: string, ids: string[]): Promise<Map<string, KnownReading>> {
  const known = new Map<string, KnownReading>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = (await trx('readings')
      .where('source', source)
      .whereIn('reading_id', ids.slice(i, i + CHUNK))
      .select('reading_id', 'content_hash', 'belongs_to_hour')) as {
      reading_id: string;
      content_hash: string;
      belongs_to_hour: Date;
    }[];
    for (const row of rows) {
      const entry = known.get(row.reading_id) ?? {
        contentHashes: new Set(),
        belongsToHour: row.belongs_to_hour,
      };
      entry.contentHashes.add(row.content_hash);
      if (row.belongs_to_hour < entry.belongsToHour) entry.belongsToHour = row.belongs_to_hour;
      known.set(row.reading_id, entry);
    }
  }
  return known;
}

export async function landBatch(db: Knex, input: LandingInput): Promise<LandingResult> {
  return db.transaction(async (trx) => {
    const existing = await findBatch(trx, input.source, input.batchKey);
    if (existing) return { ...existing.summary, alreadyLanded: true };

    const { valid, rejections } = validateAll(input.records, input.limits);
    const known = await knownVersions(trx, input.source, [...new Set(valid.map((v) => v.reading.id))]);
    const plan = planLanding(valid, rejections, known, input.importHour);

    const [inserted] = (await trx('fetch_batches')
      .insert({
        import_hour: input.importHour,
        source: input.source,
        batch_key: input.batchKey,
        run_id: input.runId,
        fetched_at: input.fetchedAt,
        record_count: input.records.length,
      })
      .returning('batch_id')) as { batch_id: number }[];
    const summary = summarise((inserted as { batch_id: number }).batch_id, input.records.length, plan);
    await trx('fetch_batches')
      .where('batch_id', summary.batchId)
      .update({ summary: JSON.stringify(summary) });
    const batchId = summary.batchId;

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
      raw: JSON.stringify(raw),
    }));
    const quarantineRows = plan.rejections.map(({ raw, reasons }) => ({
      batch_id: batchId,
      import_hour: input.importHour,
      source: input.source,
      raw: JSON.stringify(raw === undefined ? null : raw),
      reasons: JSON.stringify(reasons),
      received_at: input.fetchedAt,
    }));
    await insertChunked(trx, 'readings', readingRows);
    await insertChunked(trx, 'quarantine', quarantineRows);
    return summary;
  });
}

async function insertChunked(trx: Knex.Transaction, table: string, rows: object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await trx(table).insert(rows.slice(i, i + CHUNK));
}

function summarise(batchId: number, fetched: number, plan: LandingPlan): LandingResult {
  return {
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
