/**
 * File sources on disk for the CLI and Node tests: a directory or a `.zip`. Only Node entry points
 * import this file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIMITS, formatBytes, problem, type DataLimits, type DataProblem } from './problems';
import { normalisePath, zipSource, type FileSource } from './source';

/** A directory as a file source. Reads never leave the directory. */
export function directorySource(dir: string): FileSource {
  const root = path.resolve(dir);
  let listing: Promise<string[]> | null = null;
  const inside = (p: string): string | null => {
    const full = path.resolve(root, normalisePath(p));
    return full === root || full.startsWith(root + path.sep) ? full : null;
  };
  async function walk(d: string, rel: string, out: string[], depth: number): Promise<void> {
    if (depth > 16) return;
    const entries = await fs.readdir(d, { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(d, e.name), r, out, depth + 1);
      else if (e.isFile()) out.push(r);
    }
  }
  return {
    name: path.basename(root),
    list: () => (listing ??= (async () => {
      const out: string[] = [];
      await walk(root, '', out, 0);
      return out;
    })()),
    size: async (p) => {
      const full = inside(p);
      if (!full) return undefined;
      try {
        const st = await fs.stat(full);
        return st.isFile() ? st.size : undefined;
      } catch {
        return undefined;
      }
    },
    read: async (p) => {
      const full = inside(p);
      if (!full) return undefined;
      try {
        const b = await fs.readFile(full);
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      } catch {
        return undefined;
      }
    },
  };
}

/** Open a directory or a zip file on disk. Never throws. */
export async function openPathSource(p: string, limits: Partial<DataLimits> = {}): Promise<{ source: FileSource | null; problems: DataProblem[] }> {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  try {
    const st = await fs.stat(p);
    if (st.isDirectory()) return { source: directorySource(p), problems: [] };
    if (st.size > lim.maxArchiveExpandedBytes) {
      return { source: null, problems: [problem('archive-too-large', `${p} is ${formatBytes(st.size)}, over the limit maxArchiveExpandedBytes = ${formatBytes(lim.maxArchiveExpandedBytes)}.`)] };
    }
    const b = await fs.readFile(p);
    return zipSource(path.basename(p), new Uint8Array(b.buffer, b.byteOffset, b.byteLength), lim);
  } catch (e) {
    return { source: null, problems: [problem('no-manifest', `Cannot open ${p}: ${e instanceof Error ? e.message : String(e)}`)] };
  }
}
