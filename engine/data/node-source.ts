/**
 * File sources on disk for the CLI and Node tests: a directory or a `.zip`. Only Node entry points
 * import this file.
 */
import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { DEFAULT_LIMITS, formatBytes, problem, type DataLimits, type DataProblem } from './problems';
import { normalisePath, zipSource, type FileSource } from './source';

/**
 * A directory as a file source. Reads never leave the directory: paths are resolved lexically
 * (no `..` above the root), then with `fs.realpath`, and a path whose real location is outside
 * the directory's real path (a symbolic link to `/etc/passwd`, a linked folder elsewhere) is
 * neither listed, sized nor read; `linkOutside` names the link so the row gets a `bad-path`
 * problem. Links whose targets stay inside keep working: read by path, and linked files are
 * listed (linked folders are not walked, so a link to an ancestor cannot loop the listing). The
 * check and the read are two system calls: a link swapped in between by someone with write access
 * to the folder is not caught (the final component is opened without following links).
 */
export function directorySource(dir: string): FileSource {
  const root = path.resolve(dir);
  let listing: Promise<string[]> | null = null;
  let realRoot: Promise<string> | null = null;
  const rootReal = () => (realRoot ??= fs.realpath(root).catch(() => root));
  const within = (real: string, rr: string) => real === rr || real.startsWith(rr.endsWith(path.sep) ? rr : rr + path.sep);
  const inside = (p: string): string | null => {
    const full = path.resolve(root, normalisePath(p));
    return full === root || full.startsWith(root + path.sep) ? full : null;
  };
  /** The real path of `p` when it exists inside the folder; 'outside' when a link leads out; null when missing. */
  async function real(p: string): Promise<string | 'outside' | null> {
    const full = inside(p);
    if (!full) return null;
    let r: string;
    try {
      r = await fs.realpath(full);
    } catch {
      return null; // missing, or a dangling link
    }
    return within(r, await rootReal()) ? r : 'outside';
  }
  async function walk(d: string, rel: string, out: string[], depth: number): Promise<void> {
    if (depth > 16) return;
    const entries = await fs.readdir(d, { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(d, e.name), r, out, depth + 1);
      else if (e.isFile()) out.push(r);
      else if (e.isSymbolicLink()) {
        const target = await real(r);
        if (target === null || target === 'outside') continue;
        const st = await fs.stat(target).catch(() => null);
        if (st?.isFile()) out.push(r);
      }
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
      const full = await real(p);
      if (full === null || full === 'outside') return undefined;
      try {
        const st = await fs.stat(full);
        return st.isFile() ? st.size : undefined;
      } catch {
        return undefined;
      }
    },
    read: async (p) => {
      const full = await real(p);
      if (full === null || full === 'outside') return undefined;
      let h: Awaited<ReturnType<typeof fs.open>> | null = null;
      try {
        // The real path, its last component opened without following a link.
        h = await fs.open(full, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
        const b = await h.readFile();
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      } catch {
        return undefined;
      } finally {
        await h?.close().catch(() => undefined);
      }
    },
    linkOutside: async (p) => {
      if ((await real(p)) !== 'outside') return null;
      // The first component (from the root down) whose real path is outside: the link to name.
      const rel = path.relative(root, inside(p) as string).split(path.sep);
      const rr = await rootReal();
      for (let i = 1; i <= rel.length; i++) {
        const at = path.join(root, ...rel.slice(0, i));
        try {
          if ((await fs.lstat(at)).isSymbolicLink() && !within(await fs.realpath(at), rr)) return rel.slice(0, i).join('/');
        } catch {
          break;
        }
      }
      return rel.join('/');
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
