/**
 * Where dataset files come from. The loader reads through a {@link FileSource}: the CLI gives a
 * directory or a zip on disk, the app gives dropped files or a zip. Paths use `/` and are relative
 * to the source root.
 */
import { quoteName, unzipWithinLimits } from '../zip-limits';
import { DEFAULT_LIMITS, formatBytes, problem, type DataLimits, type DataProblem } from './problems';

export interface FileSource {
  /** A name for messages (folder or zip name). */
  name: string;
  /** Every file path in the source. */
  list(): Promise<string[]>;
  /** The file's size in bytes, or undefined when it does not exist. */
  size(path: string): Promise<number | undefined>;
  /** The file's bytes, or undefined when it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
  /**
   * Sources on a file system: when `path` exists but goes through a symbolic link whose target is
   * outside the source's folder, the link (its path in the source, e.g. `images` or
   * `images/x.png`); else null. `size` and `read` treat such paths as missing, and locating a file
   * asks this to say why (`bad-path`).
   */
  linkOutside?(path: string): Promise<string | null>;
}

/** A source over files held in memory (dropped files, a generated demo, an unpacked zip). */
export function memorySource(name: string, files: Map<string, Uint8Array> | Record<string, Uint8Array>): FileSource {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  return {
    name,
    list: async () => [...map.keys()],
    size: async (p) => map.get(p)?.length,
    read: async (p) => map.get(p),
  };
}

/**
 * Open a zip held in memory. Sizes and the entry count are checked against the limits from the
 * archive's directory before anything is expanded (engine/zip-limits.ts, the same reader bundles
 * and project files use: the listing stops past `maxArchiveEntries`, sizes that read as garbage
 * are refused, the inflater never writes past a file's declared size), so a zip bomb is refused
 * with the limit named instead of filling memory. A file over its own limit is left out and
 * named; its rows then say so.
 */
export function zipSource(name: string, bytes: Uint8Array, limits: Partial<DataLimits> = {}): { source: FileSource | null; problems: DataProblem[] } {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const problems: DataProblem[] = [];
  const read = unzipWithinLimits(bytes, 'The archive', lim, (entry) => {
    if (entry.endsWith('/')) return null;
    // A table may be the manifest, which has its own limit (checked by the loader).
    const table = /\.(csv|tsv|jsonl)$/i.test(entry);
    return { maxBytes: table ? Math.max(lim.maxFileBytes, lim.maxManifestBytes) : lim.maxFileBytes, limitName: table ? 'maxManifestBytes' : 'maxFileBytes', over: 'skip' };
  });
  if (!read.ok) {
    problems.push(read.unreadable ? problem('archive-unreadable', `The zip could not be read: ${read.message}.`) : problem('archive-too-large', read.message));
    return { source: null, problems };
  }
  const map = new Map<string, Uint8Array>();
  for (const [k, v] of read.files) map.set(normalisePath(k), v);
  const oversized = new Set(read.skipped.map((e) => normalisePath(e.name)));
  const base = memorySource(name, map);
  for (const e of read.skipped) {
    problems.push(problem('file-too-large', `${quoteName(normalisePath(e.name))} in the archive is over the limit ${e.limitName} = ${formatBytes(e.maxBytes)}; it was not expanded.`, {}, 'warning'));
  }
  return {
    source: {
      ...base,
      list: async () => [...map.keys(), ...oversized],
      // An oversized entry reports a size over the limit so the loader names the limit per row.
      size: async (p) => (oversized.has(p) ? lim.maxFileBytes + 1 : map.get(p)?.length),
    },
    problems,
  };
}

/** `./a\\b//c` → `a/b/c`. */
export function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/\/+/g, '/').replace(/^(\.\/)+/, '');
}

/**
 * Resolve a path from a manifest cell against the manifest's folder. Returns null for absolute
 * paths, URLs and paths that climb out of the dataset.
 */
export function resolveDataPath(baseDir: string, cell: string): string | null {
  const p = normalisePath(cell.trim());
  if (p === '' || p.startsWith('/') || /^[A-Za-z]:/.test(p) || /^[a-z]+:\/\//i.test(p)) return null;
  const parts = baseDir ? baseDir.split('/').filter(Boolean) : [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return null;
      parts.pop();
      continue;
    }
    parts.push(seg);
  }
  const out = parts.join('/');
  // Never climb above the manifest's own folder.
  if (baseDir && !out.startsWith(baseDir.replace(/\/$/, '') + '/')) return null;
  return out;
}
