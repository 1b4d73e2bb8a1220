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
  const DELIM = delimiter.charCodeAt(0);
  let i = 0;
  let line = 1;
  const n = text.length;
  // Line ends between `a` and `b` (inside a quoted cell).
  const newlines = (a: number, b: number) => {
    let k = 0;
    for (let j = a; j < b; j++) if (text.charCodeAt(j) === 0x0a) k++;
    return k;
  };
  while (i < n) {
    const startLine = line;
    const startIndex = i;
    const cells: string[] = [];
    let cell = '';
    let ok = true;
    let quotedCell = false;
    // Parse one record. Cells are sliced from the text in runs (never built a character at a
    // time: a 50 MB cell took 8 s and 1.9 GB as a rope of one-character strings).
    for (;;) {
      if (i >= n) {
        cells.push(cell);
        break;
      }
      const ch = text.charCodeAt(i);
      if (ch === 0x22 && cell === '' && !quotedCell) {
        // Quoted cell: up to the closing quote, `""` standing for one quote.
        quotedCell = true;
        i++;
        let closed = false;
        const parts: string[] = [];
        let from = i;
        while (i < n) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            line += newlines(i, n);
            i = n;
            break;
          }
          line += newlines(i, q);
          if (text.charCodeAt(q + 1) === 0x22) {
            parts.push(text.slice(from, q + 1));
            i = q + 2;
            from = i;
            continue;
          }
          parts.push(text.slice(from, q));
          i = q + 1;
          closed = true;
          break;
        }
        if (!closed) {
          ok = false;
          break;
        }
        cell = parts.length === 1 ? parts[0] : parts.join('');
        continue;
      }
      if (ch === DELIM) {
        cells.push(cell);
        cell = '';
        quotedCell = false;
        i++;
        continue;
      }
      if (ch === 0x0d || ch === 0x0a) {
        cells.push(cell);
        if (ch === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
        i++;
        line++;
        break;
      }
      // A run of ordinary characters (a quote inside it is literal, as the cell is not empty then).
      let j = i + 1;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === DELIM || c === 0x0d || c === 0x0a) break;
        j++;
      }
      cell += text.slice(i, j);
      i = j;
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

/** windows-1252's characters for bytes 0x80–0x9F (the rest of the byte range is Latin-1 itself); 0 = undefined. */
const CP1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
];

/** Bytes as windows-1252 (what "Latin-1" means on the web; undefined bytes map to U+0080–U+009F). */
function decodeWindows1252(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 1 << 15;
  const codes = new Uint16Array(Math.min(CHUNK, bytes.length));
  for (let o = 0; o < bytes.length; o += CHUNK) {
    const n = Math.min(CHUNK, bytes.length - o);
    for (let i = 0; i < n; i++) {
      const b = bytes[o + i];
      codes[i] = b >= 0x80 && b <= 0x9f ? CP1252_HIGH[b - 0x80] || b : b;
    }
    parts.push(String.fromCharCode.apply(null, codes.subarray(0, n) as unknown as number[]));
  }
  return parts.join('');
}

/** UTF-16 bytes (after the BOM) as text; an odd last byte is dropped, lone surrogates become U+FFFD. */
function decodeUtf16(bytes: Uint8Array, littleEndian: boolean): string {
  const even = bytes.subarray(0, bytes.length & ~1);
  if (littleEndian) return new TextDecoder('utf-16le').decode(even);
  const swapped = new Uint8Array(even.length);
  for (let i = 0; i < even.length; i += 2) {
    swapped[i] = even[i + 1];
    swapped[i + 1] = even[i];
  }
  return new TextDecoder('utf-16le').decode(swapped);
}

/**
 * A table file's bytes as text: a UTF-16 byte-order mark (LE or BE) decodes as UTF-16; a UTF-8
 * one is dropped; bytes that are not valid UTF-8 are read as windows-1252 ("Latin-1", what Excel
 * on Windows writes) with a `bad-encoding` warning instead of turning every accented letter into
 * U+FFFD. A header line holding NUL characters (UTF-16 without a BOM, a binary file) is a
 * `bad-encoding` error and `text` is null: its column names would be unreadable.
 */
export function decodeTableText(bytes: Uint8Array, path: string): { text: string | null; problems: DataProblem[] } {
  const problems: DataProblem[] = [];
  let text: string;
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) text = decodeUtf16(bytes.subarray(2), true);
  else if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) text = decodeUtf16(bytes.subarray(2), false);
  else {
    const body = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      text = decodeWindows1252(body);
      problems.push(problem('bad-encoding', `${path} is not UTF-8 text; it was read as Latin-1 (windows-1252). If accented letters look wrong, save it as UTF-8 (CSV UTF-8 in Excel).`, {}, 'warning'));
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const eol = text.indexOf('\n');
  const header = eol < 0 ? text : text.slice(0, eol);
  if (header.includes('\0')) {
    // Only this error: a Latin-1 warning beside it (NULs next to bytes over 0x7F) would be noise.
    problems.length = 0;
    problems.push(problem('bad-encoding', `The header of ${path} holds NUL characters, so its column names cannot be read: the file is probably UTF-16 without a byte-order mark, or not a text table. Save it as UTF-8 (CSV UTF-8 in Excel).`, { line: 1 }));
    return { text: null, problems };
  }
  return { text, problems };
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
