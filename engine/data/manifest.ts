/**
 * The manifest (`samples.csv` or `samples.jsonl`): one row per sample. Parsing never throws; bad
 * lines become problems and are skipped.
 */
import { problem, type DataProblem, DEFAULT_LIMITS } from './problems';

/** One manifest record. `values[i]` belongs to `columns[i]`; missing cells are ''. */
export interface ManifestRow {
  /** 1-based record number (header excluded). */
  row: number;
  /** 1-based line where the record starts in the file. */
  line: number;
  values: string[];
  /**
   * The folder this row's file paths are relative to, when it is not the manifest's own (a
   * Hugging Face dataset with one `metadata.csv` per split folder).
   */
  base?: string;
}

export interface Manifest {
  format: 'csv' | 'tsv' | 'jsonl' | 'folders';
  columns: string[];
  rows: ManifestRow[];
  problems: DataProblem[];
}

/** Index of a column by name, or -1. */
export function columnIndex(m: Pick<Manifest, 'columns'>, name: string): number {
  return m.columns.indexOf(name);
}

interface CsvRecord {
  cells: string[];
  line: number;
}

/**
 * RFC 4180 CSV (or TSV with `delimiter` = tab): comma-separated, `"` quotes, `""` inside quotes is a quote, quoted cells may hold
 * commas and newlines; CRLF or LF line ends; a UTF-8 BOM is dropped. A quote that never closes
 * makes its record a problem, and parsing resumes on the line after that record started.
 */
export function parseCsv(text: string, delimiter = ','): { records: CsvRecord[]; problems: DataProblem[] } {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records: CsvRecord[] = [];
  const problems: DataProblem[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    const startIndex = i;
    const cells: string[] = [];
    let cell = '';
    let ok = true;
    let quotedCell = false;
    // Parse one record.
    for (;;) {
      if (i >= n) {
        cells.push(cell);
        break;
      }
      const ch = text[i];
      if (ch === '"' && cell === '' && !quotedCell) {
        // Quoted cell.
        quotedCell = true;
        i++;
        let closed = false;
        while (i < n) {
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          cell += c;
          i++;
        }
        if (!closed) {
          ok = false;
          break;
        }
        continue;
      }
      if (ch === delimiter) {
        cells.push(cell);
        cell = '';
        quotedCell = false;
        i++;
        continue;
      }
      if (ch === '\r' || ch === '\n') {
        cells.push(cell);
        if (ch === '\r' && text[i + 1] === '\n') i++;
        i++;
        line++;
        break;
      }
      cell += ch;
      i++;
    }
    if (!ok) {
      problems.push(problem('broken-line', `Line ${startLine}: a quoted cell is never closed (a " is missing); the line is skipped.`, { line: startLine }));
      // Resume after the first line end following the record's start.
      let j = startIndex;
      while (j < n && text[j] !== '\n') j++;
      i = j + 1;
      line = startLine + 1;
      continue;
    }
    // Skip blank lines.
    if (cells.length === 1 && cells[0].trim() === '' && !quotedCell) continue;
    records.push({ cells, line: startLine });
  }
  return { records, problems };
}

/** Parse a CSV (or, with a tab `delimiter`, TSV) manifest: the first record is the header. */
export function parseCsvManifest(text: string, maxRows = DEFAULT_LIMITS.maxRows, delimiter = ','): Manifest {
  const { records, problems } = parseCsv(text, delimiter);
  const format = delimiter === '\t' ? 'tsv' : 'csv';
  if (records.length === 0) {
    return { format, columns: [], rows: [], problems: [...problems, problem('manifest-empty', 'The manifest is empty: it needs a header line naming the columns and one line per sample.')] };
  }
  const header = records[0].cells.map((c) => c.trim());
  const columns = dedupeHeader(header, problems);
  const rows: ManifestRow[] = [];
  let rowNo = 0;
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    rowNo++;
    if (rows.length >= maxRows) {
      problems.push(problem('too-many-rows', `The manifest has more than ${maxRows} rows (limit maxRows); rows from line ${rec.line} on were not read.`, { line: rec.line, row: rowNo }));
      break;
    }
    let cells = rec.cells;
    if (cells.length > columns.length && cells.slice(columns.length).every((c) => c.trim() === '')) cells = cells.slice(0, columns.length);
    if (cells.length !== columns.length) {
      problems.push(problem('broken-line', `Row ${rowNo} (line ${rec.line}) has ${cells.length} cells but the header has ${columns.length}; the row is skipped.`, { row: rowNo, line: rec.line }));
      continue;
    }
    rows.push({ row: rowNo, line: rec.line, values: cells });
  }
  return { format, columns, rows, problems };
}

function dedupeHeader(header: string[], problems: DataProblem[]): string[] {
  const seen = new Set<string>();
  return header.map((h, i) => {
    let name = h === '' ? `column${i + 1}` : h;
    if (seen.has(name)) {
      problems.push(problem('duplicate-column', `The header names the column "${name}" twice; the second one is read as "${name}_${i + 1}".`, { column: name, line: 1 }, 'warning'));
      name = `${name}_${i + 1}`;
    }
    seen.add(name);
    return name;
  });
}

function cellFromJson(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join(';');
  return JSON.stringify(v);
}

/** Parse a JSONL manifest: one JSON object per line; columns are the union of keys in order of first use. */
export function parseJsonlManifest(text: string, maxRows = DEFAULT_LIMITS.maxRows): Manifest {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const problems: DataProblem[] = [];
  const columns: string[] = [];
  const colIndex = new Map<string, number>();
  const objects: { row: number; line: number; obj: Record<string, unknown> }[] = [];
  const lines = text.split(/\r?\n/);
  let rowNo = 0;
  for (let l = 0; l < lines.length; l++) {
    const s = lines[l].trim();
    if (s === '') continue;
    rowNo++;
    if (objects.length >= maxRows) {
      problems.push(problem('too-many-rows', `The manifest has more than ${maxRows} rows (limit maxRows); rows from line ${l + 1} on were not read.`, { line: l + 1, row: rowNo }));
      break;
    }
    let obj: unknown;
    try {
      obj = JSON.parse(s);
    } catch (e) {
      problems.push(problem('broken-line', `Row ${rowNo} (line ${l + 1}) is not valid JSON (${e instanceof Error ? e.message : String(e)}); the row is skipped.`, { row: rowNo, line: l + 1 }));
      continue;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      problems.push(problem('broken-line', `Row ${rowNo} (line ${l + 1}) is not a JSON object; the row is skipped.`, { row: rowNo, line: l + 1 }));
      continue;
    }
    const rec = obj as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      if (!colIndex.has(k)) {
        colIndex.set(k, columns.length);
        columns.push(k);
      }
    }
    objects.push({ row: rowNo, line: l + 1, obj: rec });
  }
  const rows = objects.map(({ row, line, obj }) => ({ row, line, values: columns.map((c) => (Object.prototype.hasOwnProperty.call(obj, c) ? cellFromJson(obj[c]) : '')) }));
  if (rows.length === 0 && problems.length === 0) problems.push(problem('manifest-empty', 'The manifest has no rows.'));
  return { format: 'jsonl', columns, rows, problems };
}

/** Parse a manifest by its file name (`.jsonl` → JSONL, `.tsv` → TSV, otherwise CSV). */
export function parseManifest(text: string, fileName: string, maxRows?: number): Manifest {
  if (/\.jsonl$/i.test(fileName)) return parseJsonlManifest(text, maxRows);
  return parseCsvManifest(text, maxRows, /\.tsv$/i.test(fileName) ? '\t' : ',');
}

/** Quote a CSV cell when it needs it. */
export function csvCell(v: string): string {
  return /[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Write rows as CSV text (LF line ends). */
export function writeCsv(columns: string[], rows: string[][]): string {
  return [columns, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
