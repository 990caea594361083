/**
 * Turns a dropped file's text into raw records. Records are not validated here (that happens
 * downstream, with the quarantine); only a file that cannot be read as its format at all is refused.
 */
import { CsvSyntaxError, parseCsv } from '../../core/csv';

export class UnparseableFile extends Error {}

export const CSV_REQUIRED_COLUMNS = ['id', 'timestamp', 'lat', 'lon', 'temperature'] as const;
/** Columns kept as text even when they look numeric: an id "0042" must stay "0042". */
const TEXT_COLUMNS = new Set(['id', 'timestamp', 'country']);
const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * NDJSON: one JSON value per line; blank lines skipped. A line that is not valid JSON becomes its
 * raw text as the record (so the quarantine shows it), unless no line at all parses: then the file
 * is not NDJSON.
 */
export function parseNdjson(text: string): unknown[] {
  const records: unknown[] = [];
  let parsedAny = false;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line));
      parsedAny = true;
    } catch {
      records.push(line);
    }
  }
  if (records.length > 0 && !parsedAny) throw new UnparseableFile('no line is valid JSON');
  return records;
}

/**
 * CSV with a header naming at least id,timestamp,lat,lon,temperature (country and other columns
 * optional, any order). Numeric-looking fields outside id/timestamp/country become numbers; empty
 * fields are left out (so a missing temperature reads as missing). A row whose field count differs
 * from the header's becomes its raw text as the record.
 */
export function parseCsvRecords(text: string): unknown[] {
  let rows;
  try {
    rows = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new UnparseableFile(`not valid CSV: ${error.message}`);
    throw error;
  }
  const [header, ...body] = rows;
  if (header === undefined) return [];
  const columns = header.fields.map((name) => name.trim());
  const missing = CSV_REQUIRED_COLUMNS.filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    throw new UnparseableFile(
      `the header lacks ${missing.join(', ')} (expected ${CSV_REQUIRED_COLUMNS.join(',')},country)`,
    );
  }
  const duplicate = columns.find((name, i) => columns.indexOf(name) !== i);
  if (duplicate !== undefined) throw new UnparseableFile(`the header names ${duplicate} twice`);

  return body.map((row) => {
    if (row.fields.length !== columns.length) return row.text;
    const record: Record<string, unknown> = {};
    columns.forEach((name, i) => {
      const value = row.fields[i] ?? '';
      if (value === '') return;
      record[name] = !TEXT_COLUMNS.has(name) && NUMERIC.test(value.trim()) ? Number(value) : value;
    });
    return record;
  });
}
