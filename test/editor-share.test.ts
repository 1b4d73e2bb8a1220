import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { emptyGraph, serializeGraph, type GraphDoc } from '../engine/graph';
import { addNode, connect } from '../engine/editor/mutations';
import { decodeGraph, encodeGraph, fromBase64Url, readShareHash, shareHash, toBase64Url } from '../engine/editor/share';
import { AUTOSAVE_BAD_KEY, AUTOSAVE_KEY, restoreGraph, saveGraph, type KeyValueStore } from '../engine/editor/storage';
import { registry } from '../nodes';

function sample(): GraphDoc {
  let g = { ...emptyGraph('Share me'), description: 'Ünïcode ✓ and "quotes"' };
  g = addNode(g, registry, 'encoder.dense', { x: 1.5, y: -2 }).graph;
  g = addNode(g, registry, 'encoder.dense', { x: 300, y: 0 }).graph;
  return connect(g, registry, { source: 'dense', sourcePort: 'out', target: 'dense_2', targetPort: 'in' }).graph;
}

describe('share links', () => {
  it('round-trip a graph through the URL hash', () => {
    const g = sample();
    const hash = shareHash(g);
    expect(hash.startsWith('#g=')).toBe(true);
    expect(hash).toMatch(/^#g=[A-Za-z0-9_-]+$/);
    const r = readShareHash(hash);
    expect(r?.ok).toBe(true);
    if (!r?.ok) return;
    expect(serializeGraph(r.graph)).toBe(serializeGraph(g));
  });
  it('compress: the link is shorter than the JSON', () => {
    let g = sample();
    for (let i = 0; i < 40; i++) g = addNode(g, registry, 'encoder.dense', { x: i * 10, y: 0 }).graph;
    expect(encodeGraph(g).length).toBeLessThan(serializeGraph(g).length / 3);
  });
  it('a hash without g= is a normal visit', () => {
    expect(readShareHash('')).toBeNull();
    expect(readShareHash('#')).toBeNull();
    expect(readShareHash('#other=1')).toBeNull();
  });
  it('base64url round-trips every byte', () => {
    const bytes = new Uint8Array(256).map((_, i) => i);
    expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes);
    expect(fromBase64Url('not base64!')).toBeNull();
    expect(fromBase64Url('a')).toBeNull();
  });
  it('bad links give diagnostics and never throw', () => {
    const json = (v: unknown) => toBase64Url(deflateSync(strToU8(JSON.stringify(v))));
    const cases: [string, string][] = [
      ['', 'no graph'],
      ['%%%', 'base64url'],
      ['AAAA', 'damaged'],
      [toBase64Url(deflateSync(strToU8('{nope'))), 'JSON'],
      [json({ format: 'fusionlab/graph', version: 99, nodes: [], edges: [] }), 'newer'],
      [json({ format: 'other' }), 'not a FusionLab graph'],
      [json({ format: 'fusionlab/graph', version: 1, nodes: [{ id: '1bad', kind: 'x' }], edges: [] }), 'node'],
    ];
    for (const [text, want] of cases) {
      const r = decodeGraph(text);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.diagnostics[0].message).toContain(want);
    }
  });
  it('refuses a link that inflates past the cap', () => {
    const big = toBase64Url(deflateSync(new Uint8Array(200_000).fill(32)));
    const r = decodeGraph(big, 100_000);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostics[0].message).toContain('larger than');
  });
  it('random text never throws', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=%#&';
    const good = encodeGraph(sample());
    for (let i = 0; i < 300; i++) {
      let s = i % 2 ? good : '';
      const n = Math.floor(rnd() * 40);
      for (let k = 0; k < n; k++) {
        const pos = Math.floor(rnd() * (s.length + 1));
        s = s.slice(0, pos) + alphabet[Math.floor(rnd() * alphabet.length)] + s.slice(pos + 1);
      }
      expect(() => readShareHash(`#g=${s}`)).not.toThrow();
    }
  });
});

class MemoryStore implements KeyValueStore {
  map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
}

describe('autosave', () => {
  it('saves and restores a graph', () => {
    const s = new MemoryStore();
    expect(restoreGraph(s)).toBeNull();
    expect(saveGraph(s, sample())).toBeNull();
    const r = restoreGraph(s);
    expect(r?.ok).toBe(true);
    if (r?.ok) expect(serializeGraph(r.graph)).toBe(serializeGraph(sample()));
  });
  it('an unreadable save gives diagnostics and is kept aside', () => {
    const s = new MemoryStore();
    s.setItem(AUTOSAVE_KEY, '{"format":"fusionlab/graph","version":1,"nodes":"oops","edges":[]}');
    const r = restoreGraph(s);
    expect(r?.ok).toBe(false);
    expect(s.getItem(AUTOSAVE_BAD_KEY)).toContain('oops');
    s.setItem(AUTOSAVE_KEY, 'not json');
    expect(restoreGraph(s)?.ok).toBe(false);
  });
  it('a storage that throws gives a message, not an exception', () => {
    const broken: KeyValueStore = {
      getItem() {
        throw new Error('SecurityError');
      },
      setItem() {
        throw new Error('QuotaExceededError');
      },
    };
    expect(saveGraph(broken, sample())).toContain('QuotaExceededError');
    const r = restoreGraph(broken);
    expect(r?.ok).toBe(false);
  });
});
