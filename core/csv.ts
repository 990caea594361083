/**
 * The project's one CSV reader (the file-drop source, `tempctl regions assign`): RFC 4180 quoted
 * fields, doubled quotes, commas and line breaks inside quotes, CRLF or LF, a leading BOM ignored.
 * Pure. Written here rather than added as a dependency because the format needed is this narrow one.
 */

export interface CsvRow {
  /** 1-based line where the row starts, for error messages. */
  line: number;
  fields: string[];
  /** The row's text as in the file (without its line break), kept for records that cannot be shaped. */
  text: string;
}

export class CsvSyntaxError extends Error {}

export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quotedField = false; // the current field was quoted: an empty "" is still a field
  // Spreadsheet exports often start with a byte-order mark: it is not part of the first field.
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let rowStart = start;
  let rowLine = 1;
  let line = 1;

  const endRow = (end: number) => {
    fields.push(field);
    const rowText = text.slice(rowStart, end);
    // A blank line is no row (common at the end of files).
    if (!(fields.length === 1 && fields[0] === '' && !quotedField))
      rows.push({ line: rowLine, fields, text: rowText });
    fields = [];
    field = '';
    quotedField = false;
  };

  for (let i = start; i < text.length; i += 1) {
    const char = text[i];
    if (inQuotes) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else {
          inQuotes = false;
        }
      } else {
        if (char === '\n') line += 1;
        field += char;
      }
      continue;
    }
    if (quotedField && char !== ',' && char !== '\n' && char !== '\r') {
      throw new CsvSyntaxError(`line ${line}: text after a closing quote`);
    }
    if (char === '"') {
      if (field !== '') throw new CsvSyntaxError(`line ${line}: a quote inside an unquoted field`);
      inQuotes = true;
      quotedField = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
      quotedField = false;
    } else if (char === '\n' || char === '\r') {
      const end = i;
      if (char === '\r' && text[i + 1] === '\n') i += 1;
      endRow(end);
      line += 1;
      rowStart = i + 1;
      rowLine = line;
    } else {
      field += char;
    }
  }
  if (inQuotes) throw new CsvSyntaxError(`line ${rowLine}: a quoted field is never closed`);
  if (rowStart < text.length || fields.length > 0) endRow(text.length);
  return rows;
}
