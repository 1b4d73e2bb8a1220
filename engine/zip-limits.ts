/**
 * Opening a zip that may come from anyone (a model bundle, a project file) without letting it
 * choose how much memory or time that takes. The central directory is read first, nothing
 * expanded: the entry count (stopped as soon as it passes the limit, so a directory that claims
 * four billion entries costs no more than the limit), the declared expanded size of all entries,
 * and each wanted entry's size against its own limit. Only then are the wanted entries inflated,
 * and fflate never writes past an entry's declared size (its output buffer is allocated at that
 * size), so the declared sizes bound the memory. Every expanded entry's CRC-32 is checked against
 * the directory's (fflate does not check it), so a damaged file is refused, not read as data.
 *
 * Dataset zips are opened by engine/data/source.ts `zipSource` with the same limits (DataLimits).
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { crc32 } from './data/png';
import { formatBytes } from './data/problems';

/** The limits on a whole archive (the dataset limits' names, so messages name the same settings). */
export interface ArchiveLimits {
  /** Most entries the archive may hold. */
  maxArchiveEntries: number;
  /** Most bytes all entries together may expand to, as the directory declares them. */
  maxArchiveExpandedBytes: number;
}

/** One entry of a zip's central directory. */
export interface ZipEntry {
  name: string;
  /** Bytes stored in the archive. */
  size: number;
  /** Bytes once expanded, as declared. */
  originalSize: number;
  /** 0 = stored, 8 = deflate. */
  compression: number;
}

/**
 * The bytes an entry can take once read: its declared expanded size, or for a stored entry its
 * stored bytes when that is more (fflate copies stored bytes as they are).
 */
export function expandedSize(e: Pick<ZipEntry, 'size' | 'originalSize' | 'compression'>): number {
  return e.compression === 0 ? Math.max(e.size, e.originalSize) : e.originalSize;
}

/** What to do with one entry: expand it if it is at most `maxBytes`, else refuse the archive or skip the entry. */
export interface EntryRule {
  maxBytes: number;
  /** How the limit is named in messages, e.g. `maxManifestBytes`. */
  limitName: string;
  /** `refuse`: the whole archive is refused; `skip`: the entry is left out and reported. */
  over: 'refuse' | 'skip';
}

/** An entry left out because it is over its limit. */
export interface SkippedEntry {
  name: string;
  bytes: number;
  maxBytes: number;
  limitName: string;
}

export type BoundedUnzip =
  | { ok: true; files: Map<string, Uint8Array>; skipped: SkippedEntry[]; entries: number }
  /** `unreadable`: not a zip fflate can read (the message is fflate's); otherwise a limit was passed. */
  | { ok: false; unreadable: boolean; message: string };

/** Thrown from fflate's filter to stop reading a directory that holds too many entries. */
class StopReading extends Error {}

function u32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

/**
 * The entry count the zip's end-of-central-directory record declares (zip64 included), found the
 * way fflate finds it; undefined when there is none. Used only to say how many entries a refused
 * archive claims.
 */
export function declaredEntryCount(bytes: Uint8Array): number | undefined {
  for (let e = bytes.length - 22; e >= 0 && bytes.length - e <= 65558; e--) {
    if (u32(bytes, e) !== 0x06054b50) continue;
    let c = bytes[e + 8] | (bytes[e + 9] << 8);
    if (e >= 20 && u32(bytes, e - 20) === 0x07064b50) {
      const ze = u32(bytes, e - 12);
      if (ze + 36 <= bytes.length && u32(bytes, ze) === 0x06064b50) c = u32(bytes, ze + 32);
    }
    return c;
  }
  return undefined;
}

/**
 * The CRC-32 of each entry, in the central directory's order (the order fflate lists them in), or
 * undefined when the directory cannot be walked (fflate then reports the damage itself).
 */
export function centralDirectoryCrcs(bytes: Uint8Array): number[] | undefined {
  for (let e = bytes.length - 22; e >= 0 && bytes.length - e <= 65558; e--) {
    if (u32(bytes, e) !== 0x06054b50) continue;
    let count = bytes[e + 10] | (bytes[e + 11] << 8);
    let p = u32(bytes, e + 16);
    if (e >= 20 && u32(bytes, e - 20) === 0x07064b50) {
      const ze = u32(bytes, e - 12);
      if (ze + 56 <= bytes.length && u32(bytes, ze) === 0x06064b50) {
        count = u32(bytes, ze + 32);
        p = u32(bytes, ze + 48);
      }
    }
    const crcs: number[] = [];
    for (let i = 0; i < count; i++) {
      if (p + 46 > bytes.length || u32(bytes, p) !== 0x02014b50) return undefined;
      crcs.push(u32(bytes, p + 16));
      p += 46 + (bytes[p + 28] | (bytes[p + 29] << 8)) + (bytes[p + 30] | (bytes[p + 31] << 8)) + (bytes[p + 32] | (bytes[p + 33] << 8));
    }
    return crcs;
  }
  return undefined;
}

/**
 * The central directory, nothing expanded. Reading stops after `maxEntries + 1` entries
 * (`truncated` then says so). Throws what fflate throws on a file that is not a zip.
 */
export function listZip(bytes: Uint8Array, maxEntries = Infinity): { entries: ZipEntry[]; truncated: boolean } {
  const entries: ZipEntry[] = [];
  let truncated = false;
  try {
    unzipSync(bytes, {
      filter: (f: UnzipFileInfo) => {
        if (entries.length >= maxEntries) {
          truncated = true;
          throw new StopReading();
        }
        entries.push({ name: f.name, size: f.size, originalSize: f.originalSize, compression: f.compression });
        return false;
      },
    });
  } catch (e) {
    if (!(e instanceof StopReading)) throw e;
  }
  return { entries, truncated };
}

/** An entry's name as a message shows it: quoted, control characters escaped, at most 200 long. */
export function quoteName(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Expand the entries of a zip that `rule` asks for (null: not expanded), within the limits.
 * `what` names the archive in messages ("The bundle"). Never throws. Refused: more entries than
 * `maxArchiveEntries`, a declared total over `maxArchiveExpandedBytes`, a wanted entry over its
 * limit (when its rule says `refuse`), or two wanted entries of the same name (a zip may list a
 * name twice, and readers disagree on which one counts).
 */
export function unzipWithinLimits(bytes: Uint8Array, what: string, limits: ArchiveLimits, rule: (name: string) => EntryRule | null): BoundedUnzip {
  let listing: { entries: ZipEntry[]; truncated: boolean };
  try {
    listing = listZip(bytes, limits.maxArchiveEntries);
  } catch (e) {
    return { ok: false, unreadable: true, message: errorText(e) };
  }
  if (listing.truncated) {
    const declared = declaredEntryCount(bytes);
    const count = declared !== undefined && declared > limits.maxArchiveEntries ? String(declared) : `more than ${limits.maxArchiveEntries}`;
    return { ok: false, unreadable: false, message: `${what} holds ${count} files, over the limit maxArchiveEntries = ${limits.maxArchiveEntries}.` };
  }
  let total = 0;
  for (const e of listing.entries) total += expandedSize(e);
  // Written as `!(… <= …)` so that a directory whose sizes read as NaN (garbage) is refused too.
  if (!(total <= limits.maxArchiveExpandedBytes)) {
    return { ok: false, unreadable: false, message: `${what} expands to ${formatBytes(total)}, over the limit maxArchiveExpandedBytes = ${formatBytes(limits.maxArchiveExpandedBytes)}.` };
  }
  const wanted = new Set<string>();
  const skipped: SkippedEntry[] = [];
  for (const e of listing.entries) {
    // `__proto__` is never wanted: fflate collects entries in a plain object.
    const r = e.name === '__proto__' ? null : rule(e.name);
    if (!r) continue;
    if (wanted.has(e.name)) return { ok: false, unreadable: false, message: `${what} holds two entries named ${quoteName(e.name)}.` };
    const n = expandedSize(e);
    if (!(n <= r.maxBytes)) {
      if (r.over === 'refuse') return { ok: false, unreadable: false, message: `${quoteName(e.name)} in ${what.toLowerCase()} is ${formatBytes(n)}, over the limit ${r.limitName} = ${formatBytes(r.maxBytes)}.` };
      skipped.push({ name: e.name, bytes: n, maxBytes: r.maxBytes, limitName: r.limitName });
      continue;
    }
    wanted.add(e.name);
  }
  let out: Record<string, Uint8Array>;
  try {
    out = unzipSync(bytes, { filter: (f) => wanted.has(f.name) });
  } catch (e) {
    return { ok: false, unreadable: true, message: errorText(e) };
  }
  const crcs = centralDirectoryCrcs(bytes);
  const index = new Map<string, number>();
  listing.entries.forEach((e, i) => wanted.has(e.name) && index.set(e.name, i));
  const files = new Map<string, Uint8Array>();
  for (const name of wanted) {
    const b = Object.prototype.hasOwnProperty.call(out, name) ? out[name] : undefined;
    if (!b) continue;
    const k = index.get(name) ?? -1;
    // A directory fflate read but this walk could not (or of another length) is not checked here.
    if (crcs && crcs.length === listing.entries.length && crc32(b) !== crcs[k]) {
      return { ok: false, unreadable: true, message: `${quoteName(name)} in ${what.toLowerCase()} is damaged: its CRC-32 does not match the one the archive records (a broken download or copy?).` };
    }
    files.set(name, b);
  }
  return { ok: true, files, skipped, entries: listing.entries.length };
}

/**
 * Parse one JSON entry of an untrusted archive. The bytes are scanned first, without allocating,
 * for nesting deeper than `maxDepth` (readers that walk JSON by recursion, tfjs's among them,
 * would overflow the stack on it) and for more than `maxValues` values: what JSON.parse builds
 * grows with the values, not the bytes (64 MB of `[],` becomes about 900 MB of arrays, and it
 * deflates to almost nothing). Never throws; the message names the entry.
 */
export function parseJsonEntry(name: string, bytes: Uint8Array, maxDepth: number, maxValues = Infinity): { ok: true; value: unknown } | { ok: false; message: string } {
  const refused = scanJson(name, bytes, maxDepth, maxValues);
  if (refused) return { ok: false, message: refused };
  try {
    return { ok: true, value: JSON.parse(new TextDecoder().decode(bytes)) as unknown };
  } catch (e) {
    // V8 quotes the text around the error; a position is enough and never echoes the file.
    const at = /position (\d+)/.exec(e instanceof Error ? e.message : '');
    return { ok: false, message: `${name} is not valid JSON${at ? ` (near byte ${at[1]})` : ''}.` };
  }
}

/** The scan of {@link parseJsonEntry} alone: why the bytes are refused, or null. Allocates nothing. */
export function scanJson(name: string, bytes: Uint8Array, maxDepth: number, maxValues = Infinity): string | null {
  let depth = 0;
  // Values: the root, plus per list or object one more than its commas (when it is not empty).
  let values = 1;
  let opened = false;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
      continue;
    }
    if (opened && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      opened = false;
      if (c !== 0x5d && c !== 0x7d) values++;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return `${name} nests lists and objects more than ${maxDepth} levels deep.`;
      opened = true;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c) values++;
  }
  if (values > maxValues) return `${name} holds about ${values.toLocaleString('en-US')} values, over the limit maxJsonValues = ${maxValues.toLocaleString('en-US')}.`;
  return null;
}
