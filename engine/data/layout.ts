/**
 * Dataset layouts: how the files people already have become one manifest. In order of precedence:
 *
 * 1. `samples.csv` / `samples.jsonl` (the shallowest), our own format;
 * 2. a Hugging Face `imagefolder` / `audiofolder`: `metadata.csv` / `metadata.jsonl` with a
 *    `file_name` column, at the top or one per split folder (`train/`, `validation/`, `test/`);
 * 3. exactly one CSV, TSV or JSONL at the top level, under any name (several: a problem that lists
 *    them, unless the caller names one);
 * 4. no table: one sub-folder per class of image, audio or video files (Keras
 *    `image_dataset_from_directory`, Teachable Machine), optionally inside split folders.
 *
 * "The top level" is the source's root after single wrapper folders (a zip of a folder holds
 * everything one level down). Hidden files and folders (`.DS_Store`, `__MACOSX/`) are never read.
 * File cells that do not resolve as written are matched by file name, so a table picked together
 * with its loose images still finds them; a name shared by several files is an `ambiguous-file`.
 */
import { AUDIO_EXTENSIONS, extensionOf, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS } from './adapter';
import { decodeTableText, parseManifest, type Manifest, type ManifestRow } from './manifest';
import { DEFAULT_LIMITS, formatBytes, problem, type DataLimits, type DataProblem } from './problems';
import { resolveDataPath, type FileSource } from './source';
import { parseSplitCell, type Split } from './split';

export type LayoutKind = 'manifest' | 'huggingface' | 'table' | 'class-folders';

/** Where a file cell points: a file of the source, or why not. */
export type Located = { ok: true; path: string; size: number; byName: boolean } | { ok: false; code: 'bad-path' | 'missing-file' | 'ambiguous-file'; detail: string };

/** A source opened as a dataset: its manifest (read or built), and how cells find files. */
export interface OpenedDataset {
  manifest: Manifest | null;
  /** The table that was read (`labels.csv`, `train/metadata.csv`), or null (class folders, none). */
  path: string | null;
  /** What was found, in a few words, for reports: "labels.csv", "class folders (3 classes)". */
  description: string;
  layout: LayoutKind | null;
  /** The folder the manifest's paths are relative to ('' = the root). */
  dir: string;
  problems: DataProblem[];
  /** Find the file a cell names, relative to `row.base` or the manifest's folder. */
  locate(cell: string, row?: Pick<ManifestRow, 'base'>): Promise<Located>;
  /** With a `several-tables` problem: the tables at the top level, for a picker. */
  tables: string[];
  /** How many cells were found by file name rather than by their path (a warning says so). */
  matchedByName(): { count: number; example?: { cell: string; path: string } };
}

export interface OpenOptions {
  limits?: Partial<DataLimits>;
  /** The table to use when the top level holds several (a file name or a path in the source). */
  manifest?: string;
}

const TABLE_EXT = ['csv', 'tsv', 'jsonl'];
const MEDIA_KINDS = [
  { column: 'image', exts: IMAGE_EXTENSIONS as readonly string[] },
  { column: 'audio', exts: AUDIO_EXTENSIONS as readonly string[] },
  { column: 'video', exts: VIDEO_EXTENSIONS as readonly string[] },
] as const;
type MediaColumn = (typeof MEDIA_KINDS)[number]['column'];

/** A path segment that is never read: hidden files and folders, macOS archive litter. */
function hiddenSegment(s: string): boolean {
  return s.startsWith('.') || s.startsWith('__MACOSX') || s === 'Thumbs.db' || s === 'desktop.ini';
}

function visible(paths: string[]): string[] {
  return paths.filter((p) => !p.split('/').some(hiddenSegment));
}

function mediaColumnOf(path: string): MediaColumn | null {
  const ext = extensionOf(path);
  for (const k of MEDIA_KINDS) if (k.exts.includes(ext)) return k.column;
  return null;
}

function baseName(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

function dirName(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/** Strip single wrapper folders: the root is the deepest folder that holds everything. */
export function datasetRoot(paths: string[]): string {
  let root = '';
  for (let depth = 0; depth < 8; depth++) {
    const prefix = root ? root + '/' : '';
    let first: string | null = null;
    let ok = paths.length > 0;
    for (const p of paths) {
      const rest = p.slice(prefix.length);
      const i = rest.indexOf('/');
      if (i < 0) {
        ok = false; // a file at this level
        break;
      }
      const seg = rest.slice(0, i);
      if (first === null) first = seg;
      else if (seg !== first) {
        ok = false;
        break;
      }
    }
    if (!ok || first === null) break;
    root = prefix + first;
  }
  return root;
}

/** A split folder's name as a split, or null. */
function splitOfFolder(name: string): Split | null {
  return parseSplitCell(name) ?? null;
}

function listNames(paths: string[], max = 8): string {
  return paths.slice(0, max).map((p) => `"${p}"`).join(', ') + (paths.length > max ? `, … (${paths.length} in all)` : '');
}

/**
 * Open a source as a dataset, whatever its layout. Never throws: what goes wrong is a problem
 * (`no-manifest`, `several-tables`, `manifest-too-large`…) with `manifest: null`.
 */
export async function openDataset(source: FileSource, opts: OpenOptions = {}): Promise<OpenedDataset> {
  const lim = { ...DEFAULT_LIMITS, ...opts.limits };
  let all: string[] = [];
  const problems: DataProblem[] = [];
  const result = (manifest: Manifest | null, path: string | null, description: string, layout: LayoutKind | null, dir: string, tables: string[] = []): OpenedDataset => {
    const located = makeLocator(source, all, dir);
    return { manifest, path, description, layout, dir, problems, tables, locate: located.locate, matchedByName: located.matchedByName };
  };
  try {
    all = await source.list();
  } catch (e) {
    problems.push(problem('no-manifest', `The dataset could not be read: ${e instanceof Error ? e.message : String(e)}`));
    return result(null, null, 'unreadable', null, '');
  }
  const files = visible(all);
  const root = datasetRoot(files);
  const prefix = root ? root + '/' : '';
  const rel = (p: string) => p.slice(prefix.length);

  const readTable = async (path: string): Promise<Manifest | null> => {
    const size = await source.size(path);
    if (size !== undefined && size > lim.maxManifestBytes) {
      problems.push(problem('manifest-too-large', `${path} is ${formatBytes(size)}, over the limit maxManifestBytes = ${formatBytes(lim.maxManifestBytes)}.`));
      return null;
    }
    const bytes = await source.read(path);
    if (!bytes) {
      problems.push(problem('no-manifest', `${path} could not be read.`));
      return null;
    }
    const decoded = decodeTableText(bytes, path);
    problems.push(...decoded.problems);
    if (decoded.text === null) return null;
    const m = parseManifest(decoded.text, path, lim.maxRows);
    problems.push(...m.problems);
    return m;
  };

  // A table the caller chose.
  if (opts.manifest) {
    const want = opts.manifest.replace(/\\/g, '/').replace(/^\.\//, '');
    const hit = files.find((p) => p === want || rel(p) === want) ?? files.filter((p) => baseName(p) === baseName(want)).sort((a, b) => a.split('/').length - b.split('/').length)[0];
    if (!hit) {
      const tables = files.filter((p) => TABLE_EXT.includes(extensionOf(p)));
      problems.push(problem('no-manifest', `${source.name} has no table named "${want}"${tables.length ? `; its tables are ${listNames(tables)}` : ''}.`));
      return result(null, null, 'none', null, '');
    }
    const m = await readTable(hit);
    return result(m, hit, hit, 'table', dirName(hit));
  }

  // 1. samples.csv / samples.jsonl, the shallowest.
  const samples = files
    .map((p) => ({ p, b: baseName(p).toLowerCase() }))
    .filter(({ b }) => b === 'samples.csv' || b === 'samples.jsonl')
    .sort((a, b) => a.p.split('/').length - b.p.split('/').length || (a.b === 'samples.csv' ? -1 : 1) - (b.b === 'samples.csv' ? -1 : 1));
  if (samples.length) {
    const path = samples[0].p;
    const m = await readTable(path);
    return result(m, path, path, 'manifest', dirName(path));
  }

  // 2. Hugging Face metadata: at the top, or one per split folder.
  const isMeta = (p: string) => /^metadata\.(csv|jsonl)$/i.test(baseName(p));
  const topMeta = files.filter((p) => isMeta(p) && !rel(p).includes('/'));
  const splitMeta = files.filter((p) => {
    const parts = rel(p).split('/');
    return isMeta(p) && parts.length === 2 && splitOfFolder(parts[0]) !== null;
  });
  if (topMeta.length || splitMeta.length) {
    const metas = topMeta.length ? [topMeta.sort((a) => (/\.csv$/i.test(a) ? -1 : 1))[0]] : dedupeBySplitFolder(splitMeta, rel);
    const m = await huggingFaceManifest(metas, readTable, rel);
    const label = metas.length === 1 ? metas[0] : `${metas.length} metadata files (${metas.map(rel).join(', ')})`;
    return result(m, metas[0], `Hugging Face folder: ${label}`, 'huggingface', m && metas.length > 1 ? root : dirName(metas[0]));
  }

  // 3. Exactly one table at the top level.
  const tables = files.filter((p) => TABLE_EXT.includes(extensionOf(p)) && !rel(p).includes('/'));
  if (tables.length > 1) {
    problems.push(
      problem(
        'several-tables',
        `${source.name} holds ${tables.length} tables at its top level (${listNames(tables.map(rel))}), so which one lists the samples is not clear. Name the one to use samples.csv (or samples.jsonl), or choose it: \`--manifest ${rel(tables[0])}\` in the CLI, the table picker in the Data panel.`,
      ),
    );
    return result(null, null, 'several tables', null, root, tables.map(rel));
  }
  if (tables.length === 1) {
    const m = await readTable(tables[0]);
    return result(m, tables[0], tables[0], 'table', dirName(tables[0]));
  }

  // 4. Class folders.
  const folders = classFolderManifest(files, root, lim.maxRows, all.filter((p) => !p.split('/').slice(0, -1).some(hiddenSegment)));
  problems.push(...folders.problems);
  if (folders.manifest) return result(folders.manifest, null, folders.description, 'class-folders', '');
  return result(null, null, 'none', null, '');
}

function dedupeBySplitFolder(metas: string[], rel: (p: string) => string): string[] {
  // One per folder, CSV before JSONL; train first, then val, then test.
  const byFolder = new Map<string, string>();
  for (const p of [...metas].sort((a, b) => (/\.csv$/i.test(a) ? 0 : 1) - (/\.csv$/i.test(b) ? 0 : 1))) {
    const f = rel(p).split('/')[0];
    if (!byFolder.has(f)) byFolder.set(f, p);
  }
  const order: Record<Split, number> = { train: 0, val: 1, test: 2 };
  return [...byFolder.entries()].sort((a, b) => order[splitOfFolder(a[0]) as Split] - order[splitOfFolder(b[0]) as Split]).map(([, p]) => p);
}

/**
 * Merge Hugging Face metadata files into one manifest: `file_name` (and `<name>_file_name`) become
 * `image`, `audio` or `video` by the files' extension; a split comes from the split folder (or a
 * path's first folder) unless there is a `split` column.
 */
async function huggingFaceManifest(metas: string[], readTable: (p: string) => Promise<Manifest | null>, rel: (p: string) => string): Promise<Manifest | null> {
  const parts: { m: Manifest; dir: string; split: Split | null }[] = [];
  for (const p of metas) {
    const m = await readTable(p);
    if (!m) return null;
    const folder = rel(p).includes('/') ? rel(p).split('/')[0] : '';
    parts.push({ m, dir: dirName(p), split: folder ? splitOfFolder(folder) : null });
  }
  const columns: string[] = [];
  const rename = new Map<string, string>();
  for (const { m } of parts) {
    for (const c of m.columns) {
      if (rename.has(c) || columns.includes(c)) continue;
      const fileCol = c === 'file_name' || c.endsWith('_file_name');
      if (!fileCol) {
        columns.push(c);
        continue;
      }
      const j = m.columns.indexOf(c);
      const kinds = new Map<string, number>();
      for (const r of m.rows.slice(0, 200)) {
        const k = mediaColumnOf(r.values[j].trim());
        if (k) kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      const kind = [...kinds.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
      const stem = c === 'file_name' ? kind : c.slice(0, -'_file_name'.length);
      const name = stem && !columns.includes(stem) && !parts.some((pt) => pt.m.columns.includes(stem)) ? stem : c;
      rename.set(c, name);
      columns.push(name);
    }
  }
  const hasSplit = columns.includes('split');
  if (!hasSplit) columns.push('split');
  const rows: ManifestRow[] = [];
  const problems: DataProblem[] = [];
  let n = 0;
  for (const { m, dir, split } of parts) {
    problems.push(...m.problems);
    const firstFile = m.columns.findIndex((c) => rename.has(c));
    for (const r of m.rows) {
      n++;
      const values = columns.map((c) => {
        const j = m.columns.findIndex((x) => (rename.get(x) ?? x) === c);
        return j < 0 ? '' : r.values[j];
      });
      if (!hasSplit) {
        let s: Split | null = split;
        if (!s && firstFile >= 0) {
          const first = r.values[firstFile].replace(/\\/g, '/').split('/')[0];
          if (r.values[firstFile].includes('/')) s = splitOfFolder(first);
        }
        values[columns.length - 1] = s ?? '';
      }
      rows.push({ row: n, line: r.line, values, base: dir });
    }
  }
  return { format: parts[0].m.format, columns, rows, problems };
}

/**
 * Build a manifest from class folders: `<class>/<file>` or `<split>/<class>/<file>` under the
 * root (files in nested folders of a class belong to it). Columns: `id` (the path), the media
 * column, `label` and, with split folders, `split`.
 */
export function classFolderManifest(files: string[], root: string, maxRows = DEFAULT_LIMITS.maxRows, withHidden: string[] = files): { manifest: Manifest | null; description: string; problems: DataProblem[] } {
  const prefix = root ? root + '/' : '';
  const problems: DataProblem[] = [];
  const rels = files.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
  // Folders seen through any file, hidden ones included (a class folder holding only .DS_Store).
  const seen = withHidden.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
  const topFolders = [...new Set(seen.filter((p) => p.includes('/')).map((p) => p.split('/')[0]))];
  const bySplit = topFolders.length > 0 && topFolders.every((f) => splitOfFolder(f) !== null) && topFolders.some((f) => splitOfFolder(f) === 'train');
  const where = root ? `${root}/` : 'the top level';
  if (topFolders.length === 0) {
    const tablesHint = rels.length ? ` It holds ${listNames(rels, 5)}.` : ' It is empty.';
    problems.push(
      problem(
        'no-manifest',
        `No table and no class folders in ${where}.${tablesHint} A dataset is either a table (samples.csv, or one CSV, TSV or JSONL file) listing one sample per row, a Hugging Face folder (metadata.csv with file_name), or one sub-folder per class holding its images or sounds.`,
      ),
    );
    return { manifest: null, description: 'none', problems };
  }
  interface Item {
    path: string;
    kind: MediaColumn;
    label: string;
    split: Split | null;
  }
  const items: Item[] = [];
  const ignored: string[] = [];
  const classFiles = new Map<string, number>(); // "split/class" → media files
  for (const r of rels) {
    const parts = r.split('/');
    const depth = bySplit ? 2 : 1;
    if (parts.length <= depth) {
      ignored.push(r); // a file beside the class (or split) folders
      continue;
    }
    const split = bySplit ? splitOfFolder(parts[0]) : null;
    const label = parts[depth - 1];
    const key = bySplit ? `${parts[0]}/${label}` : label;
    if (!classFiles.has(key)) classFiles.set(key, 0);
    const kind = mediaColumnOf(r);
    if (!kind) {
      ignored.push(r);
      continue;
    }
    classFiles.set(key, (classFiles.get(key) as number) + 1);
    items.push({ path: prefix + r, kind, label, split });
  }
  // Class folders that hold no media at all.
  for (const r of seen) {
    const parts = r.split('/');
    const depth = bySplit ? 2 : 1;
    if (parts.length <= depth) continue;
    const key = parts.slice(0, depth).join('/');
    if (!classFiles.has(key)) classFiles.set(key, 0);
  }
  const kinds = new Map<MediaColumn, number>();
  for (const it of items) kinds.set(it.kind, (kinds.get(it.kind) ?? 0) + 1);
  const kind = [...kinds.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!kind) {
    problems.push(problem('no-manifest', `No table in ${where}, and its folders (${listNames(topFolders, 6)}) hold no image, audio or video files, so they cannot be read as one folder per class.`));
    return { manifest: null, description: 'none', problems };
  }
  const other = items.filter((it) => it.kind !== kind);
  for (const it of other) ignored.push(it.path.slice(prefix.length));
  const used = items.filter((it) => it.kind === kind).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const [key, count] of classFiles) {
    if (count === 0) problems.push(problem('empty-class', `The folder "${key}" holds no ${kind} file, so it is not a class.`, {}, 'warning'));
  }
  if (ignored.length) {
    problems.push(problem('ignored-files', `${ignored.length} file(s) are not ${kind} files inside a class folder and were not read: ${listNames(ignored, 5)}.`, {}, 'warning'));
  }
  const truncated = used.length > maxRows;
  if (truncated) problems.push(problem('too-many-rows', `The class folders hold ${used.length} files, more than the limit maxRows = ${maxRows}; the rest were not read.`));
  const columns = ['id', kind, 'label', ...(bySplit ? ['split'] : [])];
  const rows: ManifestRow[] = used.slice(0, maxRows).map((it, i) => ({ row: i + 1, line: i + 1, values: [it.path.slice(prefix.length), it.path, it.label, ...(bySplit ? [it.split as string] : [])] }));
  const classes = new Set(used.map((it) => it.label));
  const splits = bySplit ? ` in ${topFolders.map((f) => `${f}/`).join(', ')}` : '';
  return { manifest: { format: 'folders', columns, rows, problems: [] }, description: `class folders: ${classes.size} classes of ${kind} files${splits}`, problems };
}

/** Cells → files: as written relative to the manifest, else by unique file name. */
function makeLocator(source: FileSource, all: string[], dir: string): Pick<OpenedDataset, 'locate' | 'matchedByName'> {
  let byName: Map<string, string[]> | null = null;
  let matched = 0;
  let example: { cell: string; path: string } | undefined;
  const index = () => {
    if (byName) return byName;
    byName = new Map();
    for (const p of visible(all)) {
      const b = baseName(p);
      const list = byName.get(b);
      if (list) list.push(p);
      else byName.set(b, [p]);
    }
    return byName;
  };
  return {
    async locate(cell, row) {
      const base = row?.base ?? dir;
      const path = resolveDataPath(base, cell);
      if (path === null) return { ok: false, code: 'bad-path', detail: 'is absolute or leaves the dataset folder; use a path relative to the table' };
      const size = await source.size(path);
      if (size !== undefined) return { ok: true, path, size, byName: false };
      const link = source.linkOutside ? await source.linkOutside(path) : null;
      if (link !== null) return { ok: false, code: 'bad-path', detail: `${link === path ? 'is a symbolic link' : `goes through the symbolic link "${link}"`} that leads outside the dataset folder; links must stay inside it` };
      const hits = index().get(baseName(path)) ?? [];
      if (hits.length === 1) {
        const s = await source.size(hits[0]);
        if (s !== undefined) {
          matched++;
          example ??= { cell: cell.trim(), path: hits[0] };
          return { ok: true, path: hits[0], size: s, byName: true };
        }
      }
      if (hits.length > 1) return { ok: false, code: 'ambiguous-file', detail: `names ${path}, which does not exist as written, and ${hits.length} files are called ${baseName(path)} (${listNames(hits, 4)}); write its path relative to the table` };
      return { ok: false, code: 'missing-file', detail: `names ${path}, which does not exist` };
    },
    matchedByName: () => ({ count: matched, example }),
  };
}

/** How a report names what was read: the table's path, or the layout ("class folders: …"); null: nothing. */
export function shownName(opened: Pick<OpenedDataset, 'manifest' | 'path' | 'description' | 'layout'>): string | null {
  if (!opened.manifest) return null;
  return (opened.layout === 'manifest' || opened.layout === 'table') && opened.path ? opened.path : opened.description;
}

/** A locator over a whole source, relative to its root (prediction: cells name files by path). */
export function sourceLocator(source: FileSource, dir = ''): OpenedDataset['locate'] {
  let listing: string[] | null = null;
  let inner: OpenedDataset['locate'] | null = null;
  return async (cell, row) => {
    if (!inner) {
      listing = await source.list().catch(() => [] as string[]);
      inner = makeLocator(source, listing, dir).locate;
    }
    return inner(cell, row);
  };
}

/** The warning for cells found by file name (null when none were). */
export function matchedByNameProblem(opened: OpenedDataset): DataProblem | null {
  const { count, example } = opened.matchedByName();
  if (count === 0 || !example) return null;
  return problem('matched-by-name', `${count} file path(s) did not exist as written and were found by file name (e.g. "${example.cell.slice(0, 80)}" → ${example.path}).`, {}, 'warning');
}
