import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import { inputNodes } from '../nodes/input';
import { imageParams } from '../nodes/input/image';
import { textParams } from '../nodes/input/text';
import { audioParams } from '../nodes/input/audio';
import { tabularParams } from '../nodes/input/tabular';
import { videoParams } from '../nodes/input/video';
import type { AudioInputParams, ImageInputParams, TabularInputParams, TextInputParams, VideoInputParams } from '../engine/data/params';
import { INPUT_KINDS } from '../engine/data/params';
import { audioFeatureShape, featuriseAudioRaw } from '../engine/data/audio';
import { tabularWidth } from '../engine/data/tabular';
import type { BuildContext } from '../engine/spec';

// Compile-time checks: each node's parsed params are what the data pipeline reads.
const asImage: (p: z.infer<typeof imageParams>) => ImageInputParams = (p) => p;
const asText: (p: z.infer<typeof textParams>) => TextInputParams = (p) => p;
const asAudio: (p: z.infer<typeof audioParams>) => AudioInputParams = (p) => p;
const asTabular: (p: z.infer<typeof tabularParams>) => TabularInputParams = (p) => p;
const asVideo: (p: z.infer<typeof videoParams>) => VideoInputParams = (p) => p;

function ctxFor(nodeId: string): BuildContext {
  return { tf, nodeId, name: (s) => `${nodeId}__${s}`, seed: () => 1, inputTypes: {}, outputTypes: {}, assets: new Map() };
}

describe('input nodes', () => {
  it('are the five kinds the data pipeline knows, each naming its columns', () => {
    expect(inputNodes.map((n) => n.kind).sort()).toEqual([...INPUT_KINDS].sort());
    for (const n of inputNodes) {
      const p = n.params.parse({});
      expect(n.category).toBe('input');
      expect(n.ports(p).inputs).toEqual([]);
      expect(n.ports(p).outputs.map((o) => o.id)).toEqual(['out']);
      expect(n.input!.columns(p).length).toBeGreaterThan(0);
      expect(n.doc.length).toBeGreaterThan(200);
      // Every param has a default and a description.
      for (const [key, field] of Object.entries(n.params.shape)) expect((field as z.ZodType).description, `${n.kind}.${key}`).toBeTruthy();
    }
    expect(asImage(imageParams.parse({})).height).toBe(28);
    expect(asText(textParams.parse({})).seqLength).toBe(32);
    expect(asVideo(videoParams.parse({})).frames).toBe(8);
  });

  it('infer the shape the featuriser produces and build an input of that shape', () => {
    const audioCases = [{}, { representation: 'waveform' }, { clipSeconds: 0.25, melBins: 16 }, { clipSeconds: 0.05, frameLength: 512 }, { sampleRate: 16000, frameLength: 400, hop: 160 }];
    const audio = inputNodes.find((n) => n.kind === 'input.audio')!;
    for (const c of audioCases) {
      const parsed = audioParams.parse(c);
      const p = asAudio(parsed);
      const r = audio.infer({}, parsed);
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      expect(r.outputs.out.shape).toEqual(audioFeatureShape(p));
      const features = featuriseAudioRaw(new Float32Array(100), p);
      expect(features.length).toBe(r.outputs.out.shape.reduce((a, b) => a * b, 1));
    }
    const tab = inputNodes.find((n) => n.kind === 'input.tabular')!;
    const tparsed = tabularParams.parse({ columns: ['a', 'b'], categorical: [{ column: 'c', cardinality: 4 }] });
    const tr = tab.infer({}, tparsed);
    expect(tr.ok && tr.outputs.out.shape).toEqual([tabularWidth(asTabular(tparsed))]);
    expect(tab.input!.columns(tparsed)).toEqual(['a', 'b', 'c']);
    expect(tab.infer({}, tabularParams.parse({ columns: [] })).ok).toBe(false);
    expect(tab.infer({}, tabularParams.parse({ columns: ['a', 'a'] })).ok).toBe(false);
    for (const n of inputNodes) {
      const p = n.params.parse({});
      const r = n.infer({}, p);
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      const out = n.build(ctxFor('x'), {}, p).out;
      expect(out.shape).toEqual([null, ...r.outputs.out.shape]);
    }
  });
});

describe('each input kind owns its data handling (engine/data/inputs)', () => {
  it('every kind a node offers has one module: reads, fits, encodes to its shape, previews, and declares its column types', async () => {
    const { INPUT_DATA } = await import('../engine/data/inputs');
    const { encodePng } = await import('../engine/data/png');
    const { encodeWav16 } = await import('../engine/data/wav');
    const { createNodeAdapter } = await import('../engine/data/node-decoders');
    const { sourceLocator } = await import('../engine/data/layout');
    const { memorySource } = await import('../engine/data/source');
    const { DEFAULT_LIMITS } = await import('../engine/data/problems');
    const png = encodePng(8, 8, 3, new Uint8Array(8 * 8 * 3).fill(128));
    const wav = encodeWav16(new Float32Array(16000).map((_, i) => Math.sin(i / 5)), 16000);
    const files = memorySource('m', { 'a.png': png, 'a.wav': wav });
    const cellsFor: Record<string, (cols: string[]) => string[]> = {
      'input.image': () => ['a.png'],
      'input.audio': () => ['a.wav'],
      'input.text': () => ['a short caption'],
      'input.tabular': (cols) => cols.map(() => '1.5'),
    };
    for (const n of inputNodes) {
      const kind = n.kind as keyof typeof INPUT_DATA;
      const h = INPUT_DATA[kind];
      expect(h.kind).toBe(kind);
      expect(h.columnTypes.length).toBeGreaterThan(0);
      if (h.file) expect(h.columnTypes).toContain(h.file.type);
      const make = cellsFor[kind];
      if (!make) continue; // video: decoded by the browser only
      const p = n.params.parse({});
      const inf = n.infer({}, p);
      if (!inf.ok) throw new Error(`${kind} does not infer at its defaults`);
      const shape = Object.values(inf.outputs)[0].shape;
      const b = { nodeId: 'x', kind, columns: n.input!.columns(p), params: p, shape } as never;
      const ctx = { adapter: createNodeAdapter(), locate: sourceLocator(files), read: (q: string) => files.read(q), limits: DEFAULT_LIMITS, row: 1, line: 1 };
      const res = await (h.prepare as (b: never, c: string[], x: typeof ctx) => ReturnType<typeof h.prepare>)(b, make(n.input!.columns(p)), ctx);
      expect(res.every((r) => r.ok), `${kind}: ${JSON.stringify(res)}`).toBe(true);
      const raw = (res[0] as { ok: true; value: never }).value;
      const fitted = (h.fit as (b: never, raws: never[], problems: unknown[]) => never)(b, [raw], []);
      const size = shape.reduce((a, d) => a * d, 1);
      const out = new Float32Array(size).fill(NaN);
      (h.encoder as (f: never) => (r: never, o: Float32Array, k: number) => void)(fitted)(raw, out, 0);
      expect(out.every(Number.isFinite), kind).toBe(true);
      const preview = (h.preview as (id: string, f: never, v: Float32Array) => { kind: string; nodeId: string })('x', fitted, out);
      expect(preview.nodeId).toBe('x');
    }
  });
});

describe('column names a saved model could not reopen', () => {
  it('an input or head reading a column named like an Object property is a param error before training', async () => {
    const { analyzeGraph } = await import('../engine/validate');
    const { parseGraph } = await import('../engine/graph');
    const { registry } = await import('../nodes');
    const demo = (await import('../templates/demo.json')).default;
    for (const [kind, edit] of [
      ['input.tabular', (p: Record<string, unknown>) => (p.columns = ['constructor', 'count'])],
      ['input.image', (p: Record<string, unknown>) => (p.column = 'toString')],
      ['head.classify', (p: Record<string, unknown>) => (p.column = '__proto__')],
    ] as const) {
      const g = JSON.parse(JSON.stringify(demo)) as { nodes: { kind: string; params: Record<string, unknown> }[] };
      edit((g.nodes.find((n) => n.kind === kind) as { params: Record<string, unknown> }).params);
      const r = parseGraph(g);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const bad = analyzeGraph(r.graph, registry).diagnostics.filter((d) => d.code === 'bad-params');
      expect(bad.map((d) => d.message).join(' '), kind).toMatch(/is a property name of every JavaScript object/);
    }
  });
});
