/**
 * Identifiers, string literals and comments for exported code. Every string that comes from a
 * graph or a dataset (labels, ids, column names, class names, descriptions) passes through here
 * before it reaches generated source: identifiers keep only [A-Za-z0-9_], literals are ASCII with
 * escapes, comments are single lines without control or bidi characters. Nothing from a graph is
 * ever spliced into code unescaped.
 */

/** Words that may not be used as identifiers in TypeScript output (keywords and our own names). */
const TS_RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in ' +
    'instanceof new null return super switch this throw true try typeof var void while with as implements interface let package private ' +
    'protected public static yield any boolean constructor declare get module require number set string symbol type from of async await ' +
    'undefined NaN Infinity eval arguments tf model inputs outputs buildModel Math Object Array JSON Number String Error console globalThis window'
  ).split(' '),
);

/** Words that may not be used as identifiers in Python output (keywords, builtins, our own names). */
const PY_RESERVED = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from global if import in is ' +
    'lambda nonlocal not or pass raise return try while with yield match case type print len range list dict set str int float bool ' +
    'object super self cls input open exec eval compile globals locals vars getattr setattr delattr id sum min max abs map filter zip ' +
    'torch nn F np math os sys json tf keras layers ops model inputs outputs x mask training build_model FusionModel tfjs_hard_sigmoid'
  ).split(' '),
);

export type IdentStyle = 'camel' | 'snake';

/** Break a label into ASCII words: accents folded (é → e), everything else a separator. */
function words(label: string): string[] {
  const folded = label.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  return folded
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

/** A safe identifier for a label: only [A-Za-z0-9_], not starting with a digit, not reserved. */
export function safeIdent(label: string, style: IdentStyle, fallback = 'node'): string {
  let ws = words(label).slice(0, 6);
  if (ws.length === 0) ws = words(fallback);
  if (ws.length === 0) ws = ['node'];
  let id = style === 'snake' ? ws.join('_') : ws.map((w, i) => (i === 0 ? w : w[0].toUpperCase() + w.slice(1))).join('');
  id = id.slice(0, 40);
  if (/^[0-9]/.test(id)) id = (style === 'snake' ? 'n_' : 'n') + id;
  const reserved = style === 'snake' ? PY_RESERVED : TS_RESERVED;
  if (reserved.has(id)) id = `${id}_`;
  return id;
}

/** Hands out identifiers unique within one program (`image`, `image_2`, …). */
export class Namer {
  private used = new Set<string>();
  constructor(private readonly style: IdentStyle, taken: string[] = []) {
    for (const t of taken) this.used.add(t);
  }
  /** Reserve an exact name (a fixed name of the program). */
  reserve(name: string): void {
    this.used.add(name);
  }
  /** A unique identifier for a label. */
  take(label: string, fallback = 'node'): string {
    const base = safeIdent(label, this.style, fallback);
    let id = base;
    for (let i = 2; this.used.has(id); i++) id = `${base}_${i}`;
    this.used.add(id);
    return id;
  }
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** A double-quoted TypeScript/JavaScript string literal, ASCII only. */
export function tsString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c >= 0x20 && c < 0x7f && ch !== '$' && ch !== '`') out += ch;
    else if (c <= 0xffff) out += `\\u${hex(c, 4)}`;
    else out += `\\u{${c.toString(16)}}`;
  }
  return `${out}"`;
}

/** A double-quoted Python string literal, ASCII only. */
export function pyString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c <= 0xff) out += `\\x${hex(c, 2)}`;
    else if (c <= 0xffff) out += `\\u${hex(c, 4)}`;
    else out += `\\U${hex(c, 8)}`;
  }
  return `${out}"`;
}

/**
 * Text for a line comment: one line, no control characters (C0, C1, DEL), no Unicode line or
 * paragraph separators, no bidirectional overrides (which can disguise code), trimmed and capped.
 */
export function commentText(s: string, max = 300): string {
  const flat = s
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, ' ')
    // Lone surrogates (not a character; files would get U+FFFD).
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A line comment for a target; several lines for a long text, each safe. */
export function lineComments(text: string, prefix: '//' | '#', indent = '', width = 96): string[] {
  const t = commentText(text, 2000);
  if (t === '') return [];
  const out: string[] = [];
  let line = '';
  for (const w of t.split(' ')) {
    if (line && line.length + 1 + w.length > width) {
      out.push(`${indent}${prefix} ${line}`);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(`${indent}${prefix} ${line}`);
  return out;
}

/** camelCase → snake_case (config keys for Python). */
export function snakeCase(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** A finite number as a literal; anything else (NaN, ∞) becomes 0 so code always parses. */
export function numLit(n: number): string {
  return Number.isFinite(n) ? String(n) : '0';
}
