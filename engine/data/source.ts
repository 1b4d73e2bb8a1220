/**
 * Where dataset files come from. The loader reads through a {@link FileSource}: the CLI gives a
 * directory or a zip on disk, the app gives dropped files or a zip. Paths use `/` and are relative
 * to the source root.
 */
import { unzipSync } from 'fflate';
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
 * A zip's directory only (nothing expanded): how many entries it declares and their declared
 * expanded size, checked against the limits before anything is inflated. Throws on a zip that
 * cannot be read.
 */
export function zipDirectory(bytes: Uint8Array): { entries: number; total: number } {
  let entries = 0;
  let total = 0;
  unzipSync(bytes, {
    filter: (f) => {
      entries++;
      total += f.originalSize;
      return false;
    },
  });
  return { entries, total };
}

/**
 * Open a zip held in memory. Sizes are checked against the limits from the archive's directory
 * before anything is expanded (the inflater never writes past a file's declared size), so a zip
 * bomb is refused with the limit named instead of filling memory.
 */
export function zipSource(name: string, bytes: Uint8Array, limits: Partial<DataLimits> = {}): { source: FileSource | null; problems: DataProblem[] } {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const problems: DataProblem[] = [];
  let refused = false;
  const oversized = new Set<string>();
  try {
    // First pass: read the directory only.
    const { entries, total } = zipDirectory(bytes);
    if (entries > lim.maxArchiveEntries) {
      problems.push(problem('archive-too-large', `The archive holds ${entries} files, over the limit maxArchiveEntries = ${lim.maxArchiveEntries}.`));
      refused = true;
    } else if (total > lim.maxArchiveExpandedBytes) {
      problems.push(problem('archive-too-large', `The archive expands to ${formatBytes(total)}, over the limit maxArchiveExpandedBytes = ${formatBytes(lim.maxArchiveExpandedBytes)}.`));
      refused = true;
    }
    if (refused) return { source: null, problems };
    const files = unzipSync(bytes, {
      filter: (f) => {
        if (f.name.endsWith('/')) return false;
        // A table may be the manifest, which has its own limit (checked by the loader).
        const limit = /\.(csv|tsv|jsonl)$/i.test(f.name) ? Math.max(lim.maxFileBytes, lim.maxManifestBytes) : lim.maxFileBytes;
        if (f.originalSize > limit) {
          oversized.add(normalisePath(f.name));
          return false;
        }
        return true;
      },
    });
    const map = new Map<string, Uint8Array>();
    for (const [k, v] of Object.entries(files)) map.set(normalisePath(k), v);
    const base = memorySource(name, map);
    for (const p of oversized) {
      problems.push(problem('file-too-large', `"${p}" in the archive is over the limit maxFileBytes = ${formatBytes(lim.maxFileBytes)}; it was not expanded.`, {}, 'warning'));
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
  } catch (e) {
    problems.push(problem('archive-unreadable', `The zip could not be read: ${e instanceof Error ? e.message : String(e)}.`));
    return { source: null, problems };
  }
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
