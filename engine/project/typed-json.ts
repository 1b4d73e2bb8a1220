/**
 * JSON that keeps typed arrays (the Train panel's previews hold RGBA bytes and waveforms): each
 * one becomes `{ "$typed": "Uint8ClampedArray", "base64": "…" }`. Reading accepts only the typed
 * array kinds listed here and bounds their size, so a project file cannot make it build anything
 * else or allocate without limit.
 */

const KINDS = {
  Uint8Array,
  Uint8ClampedArray,
  Int32Array,
  Float32Array,
  Float64Array,
} as const;
type Kind = keyof typeof KINDS;

/** At most this many bytes of typed arrays in one document. */
export const MAX_TYPED_BYTES = 256 * 1024 * 1024;

function kindOf(v: unknown): Kind | null {
  for (const k of Object.keys(KINDS) as Kind[]) if (v instanceof KINDS[k]) return k;
  return null;
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** `JSON.stringify` with typed arrays tagged. */
export function stringifyTyped(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    const k = kindOf(v);
    if (!k) return v;
    const t = v as ArrayBufferView;
    return { $typed: k, base64: toBase64(new Uint8Array(t.buffer, t.byteOffset, t.byteLength)) };
  });
}

/** Parse what {@link stringifyTyped} wrote; never throws. */
export function parseTypedJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  let budget = MAX_TYPED_BYTES;
  try {
    const value: unknown = JSON.parse(text, (_key, v: unknown) => {
      if (typeof v !== 'object' || v === null || !('$typed' in v)) return v;
      const { $typed, base64 } = v as { $typed: unknown; base64: unknown };
      if (typeof $typed !== 'string' || !Object.hasOwn(KINDS, $typed) || typeof base64 !== 'string') throw new Error('an unknown tagged value');
      const bytes = fromBase64(base64);
      budget -= bytes.length;
      if (budget < 0) throw new Error(`typed arrays over ${MAX_TYPED_BYTES} bytes`);
      const C = KINDS[$typed as Kind];
      if (bytes.length % C.BYTES_PER_ELEMENT) throw new Error(`a ${$typed} of ${bytes.length} bytes`);
      return new C(bytes.buffer as ArrayBuffer, 0, bytes.length / C.BYTES_PER_ELEMENT);
    });
    return { ok: true, value };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}
