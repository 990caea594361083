/**
 * Decides what landing a batch writes: which records are readings (new, or new versions of a known
 * reading), which are duplicates of what is already stored, and which go to quarantine with their
 * reasons. Pure: the caller looks up the known versions and writes the plan.
 */
import { readingContentHash } from './contentHash';
import { validateRecord, type Reading, type Rejection, type ValidationLimits } from './reading';

export interface KnownReading {
  /** The content hash of the newest stored version: a record equal to it is a duplicate, any other a new version. */
  latestContentHash: string;
  /** The import hour the reading first counted in. */
  belongsToHour: Date;
}

export interface PlannedReading {
  reading: Reading;
  contentHash: string;
  belongsToHour: Date;
  /** True when the id was known with other content: a new version of an earlier reading. */
  isCorrection: boolean;
  raw: unknown;
}

export interface PlannedRejection {
  raw: unknown;
  reasons: Rejection[];
  /** The record's text as sent, when the source had one (the partner API's body). */
  text?: string;
}

/**
 * A record as received: its parsed value and, when the source sent text, that text. A record whose
 * text could not be read at all carries `unreadable` instead of a value and goes to quarantine.
 */
export interface ReceivedRecord {
  value: unknown;
  text?: string;
  unreadable?: Rejection;
}

/** What landing records did, summed per batch, per source and per run. */
export interface LandingCounts {
  fetched: number;
  valid: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  duplicates: number;
  corrections: number;
  /** Earlier batches of the hour that a refetch replaced. */
  replacedBatches: number;
}

export interface LandingPlan {
  readings: PlannedReading[];
  rejections: PlannedRejection[];
  duplicates: number;
  /** Hours other than this import's that received a correction and must be aggregated again. */
  correctedHours: Date[];
}

export function validateAll(
  records: readonly unknown[],
  limits: ValidationLimits,
  texts: readonly (string | undefined)[] = [],
): { valid: { reading: Reading; raw: unknown }[]; rejections: PlannedRejection[] } {
  const valid: { reading: Reading; raw: unknown }[] = [];
  const rejections: PlannedRejection[] = [];
  records.forEach((raw, i) => {
    const result = validateRecord(raw, limits);
    if (result.ok) valid.push({ reading: result.reading, raw });
    else rejections.push({ raw, reasons: result.reasons, ...textOf(texts[i]) });
  });
  return { valid, rejections };
}

function textOf(text: string | undefined): { text?: string } {
  return text === undefined ? {} : { text };
}

/** Validates received records: the unreadable ones are rejected with their reason, the rest as above. */
export function validateReceived(
  received: readonly ReceivedRecord[],
  limits: ValidationLimits,
): { valid: { reading: Reading; raw: unknown }[]; rejections: PlannedRejection[] } {
  const readable = received.filter((record) => record.unreadable === undefined);
  const { valid, rejections } = validateAll(
    readable.map((record) => record.value),
    limits,
    readable.map((record) => record.text),
  );
  for (const record of received) {
    if (record.unreadable !== undefined)
      rejections.push({ raw: null, reasons: [record.unreadable], ...textOf(record.text) });
  }
  return { valid, rejections };
}

export function planLanding(
  valid: readonly { reading: Reading; raw: unknown }[],
  rejections: PlannedRejection[],
  known: ReadonlyMap<string, KnownReading>,
  importHour: Date,
): LandingPlan {
  const seen = new Map<string, KnownReading>();
  const readings: PlannedReading[] = [];
  const correctedHours = new Map<number, Date>();
  let duplicates = 0;

  for (const { reading, raw } of valid) {
    const contentHash = readingContentHash(reading);
    const earlier = seen.get(reading.id) ?? known.get(reading.id);
    // Compared with the newest version only: A, B, then A again is a correction back to A.
    if (earlier?.latestContentHash === contentHash) {
      duplicates += 1;
      continue;
    }
    const belongsToHour = earlier?.belongsToHour ?? importHour;
    readings.push({ reading, contentHash, belongsToHour, isCorrection: earlier !== undefined, raw });
    if (belongsToHour.getTime() !== importHour.getTime())
      correctedHours.set(belongsToHour.getTime(), belongsToHour);
    seen.set(reading.id, { latestContentHash: contentHash, belongsToHour });
  }
  return {
    readings,
    rejections,
    duplicates,
    correctedHours: [...correctedHours.values()].sort((a, b) => a.getTime() - b.getTime()),
  };
}

export function countReasons(rejections: readonly PlannedRejection[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { reasons } of rejections) {
    for (const { code } of reasons) counts[code] = (counts[code] ?? 0) + 1;
  }
  return counts;
}
