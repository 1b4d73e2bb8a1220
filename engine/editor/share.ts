/**
 * Share links: the graph JSON, deflated with fflate and base64url-encoded, in the URL hash
 * `#g=…`. Decoding takes untrusted text from a URL, so it never throws: it returns the graph or
 * diagnostics, caps the inflated size (a tiny link must not expand into gigabytes), and sends
 * the result through {@link parseGraph}.
 */
import { Inflate, deflateSync, strFromU8, strToU8 } from 'fflate';
import { error, type Diagnostic } from '../diagnostics';
import { parseGraph, serializeGraph, type GraphDoc, type ParseResult } from '../graph';

/** Largest graph JSON a link may inflate to (bytes). */
export const MAX_SHARE_BYTES = 8 * 1024 * 1024;
/** The hash key. */
export const SHARE_KEY = 'g';

/** Bytes → base64url without padding. */
export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url (padding optional) → bytes, or null if the text is not base64url. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return null;
  const b64 = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (b64.length % 4 === 1) return null;
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  try {
    const bin = atob(padded);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

/** The compressed, URL-safe form of a graph (what follows `#g=`). */
export function encodeGraph(graph: GraphDoc): string {
  const json = JSON.stringify(JSON.parse(serializeGraph(graph))); // compact, stable key order
  return toBase64Url(deflateSync(strToU8(json), { level: 9 }));
}

/** The hash for a graph: `#g=…`. */
export function shareHash(graph: GraphDoc): string {
  return `#${SHARE_KEY}=${encodeGraph(graph)}`;
}

function bad(message: string): ParseResult {
  return { ok: false, diagnostics: [error('doc-schema', message)] };
}

function inflateCapped(bytes: Uint8Array, max: number): Uint8Array | string {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let tooBig = false;
  const inf = new Inflate((chunk) => {
    total += chunk.length;
    if (total > max) tooBig = true;
    else chunks.push(chunk);
  });
  try {
    // Feed in slices so that the size cap stops a bomb early.
    const STEP = 16 * 1024;
    for (let i = 0; i < bytes.length && !tooBig; i += STEP) inf.push(bytes.subarray(i, i + STEP), i + STEP >= bytes.length);
  } catch (e) {
    return `The link's data is damaged (${e instanceof Error ? e.message : String(e)}).`;
  }
  if (tooBig) return `The link's graph is larger than ${MAX_SHARE_BYTES / 1024 / 1024} MB.`;
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Decode the text after `#g=`. Never throws. */
export function decodeGraph(text: string, maxBytes = MAX_SHARE_BYTES): ParseResult {
  try {
    const trimmed = text.trim();
    if (!trimmed) return bad('The share link holds no graph.');
    const bytes = fromBase64Url(trimmed);
    if (!bytes || bytes.length === 0) return bad('The share link is damaged: its graph is not base64url text.');
    const raw = inflateCapped(bytes, maxBytes);
    if (typeof raw === 'string') return bad(raw);
    let json: unknown;
    try {
      json = JSON.parse(strFromU8(raw));
    } catch {
      return { ok: false, diagnostics: [error('json-syntax', "The share link is damaged: its graph is not valid JSON.")] };
    }
    return parseGraph(json);
  } catch (e) {
    return bad(`The share link could not be read: ${String(e)}`);
  }
}

/**
 * Read a graph from a location hash. Returns null when the hash holds no `g=` entry (a normal
 * visit), else the parse result.
 */
export function readShareHash(hash: string): ParseResult | null {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!h) return null;
  for (const part of h.split('&')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (key === SHARE_KEY) return decodeGraph(eq < 0 ? '' : part.slice(eq + 1));
  }
  return null;
}

/** One line for a toast from a failed parse. */
export function describeFailure(what: string, diagnostics: readonly Diagnostic[]): string {
  const first = diagnostics[0]?.message ?? 'unknown problem';
  const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more problem${diagnostics.length > 2 ? 's' : ''})` : '';
  return `${what}: ${first}${more}`;
}
