/**
 * engine/predict.ts: one sample → answers per output (class names from the fitted state, sorted
 * probabilities, de-standardised regression, multilabel, late-fusion branches), saliency maps of
 * image and spectrogram inputs, no leaked tensors; and the CLI's `predict` built on it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBundle, writeBundle } from '../engine/bundle';
import { compileGraph } from '../engine/compile';
import { generateDemoDataset } from '../engine/data/demo';
import { featuriseSample, loadDataset, type FittedState, type LoadedDataset } from '../engine/data/loader';
import { createNodeAdapter } from '../engine/data/node-decoders';
import { memorySource } from '../engine/data/source';
import { describeModel, describePrediction, saliencyColour, predictSample, previewBytes, primaryOutputId, saliencyPixels } from '../engine/predict';
import type { ModelIO } from '../engine/train/types';
import { registry } from '../nodes';
import { registerCustomLayers } from '../nodes/shared';
import { graph } from './fixtures/graphs';

const ROOT = path.resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fusionlab-predict-'));

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Picture and tone of the demo data, each through its own head, joined by a late average. */
const lateGraph = graph(
  [
    ['picture', 'input.image', { column: 'image', height: 16, width: 16, channels: 1, normalise: 'per-image' }],
    ['tone', 'input.audio', { column: 'audio', sampleRate: 8000, clipSeconds: 0.25, representation: 'logmel', melBins: 16, frameLength: 256, hop: 128 }],
    ['pcnn', 'encoder.image-cnn', { filters: 8, blocks: 1, units: 16 }],
    ['tcnn', 'encoder.audio-cnn', { filters: 8, blocks: 1, units: 16 }],
    ['ph', 'head.classify', { column: 'label', classes: 4 }],
    ['th', 'head.classify', { column: 'label', classes: 4 }],
    ['late', 'late.average', {}],
  ],
  ['picture.out->pcnn.in', 'tone.out->tcnn.in', 'pcnn.out->ph.in', 'tcnn.out->th.in', 'ph.out->late.in', 'th.out->late.in'],
  'Late demo',
);

const demo = generateDemoDataset({ rows: 24 });
let ds: LoadedDataset;

beforeAll(async () => {
  ds = await loadDataset(memorySource('demo', demo.files), { graph: lateGraph, registry, adapter: createNodeAdapter() });
  expect(ds.ok).toBe(true);
});

function row(i: number): Record<string, string> {
  const r = demo.rows[i];
  return { image: `images/${r.id}.png`, audio: `audio/${r.id}.wav`, caption: r.caption };
}

describe('describePrediction', () => {
  const fitted: FittedState = {
    format: 'fusionlab/fitted',
    version: 1,
    inputs: {},
    heads: {
      a: { task: 'classify', column: 'y', classes: ['cat', 'dog', 'eel'] },
      b: { task: 'classify', column: 'y', classes: ['cat', 'dog', 'eel'] },
      r: { task: 'regress', column: 'price', mean: 100, std: 20 },
      m: { task: 'multilabel', column: 'tags', classes: ['red', 'big', 'old'] },
    },
  };
  const io: ModelIO = {
    inputs: [],
    outputs: [
      { nodeId: 'a', name: 'a', role: 'head', shape: [3], labelColumn: 'y' },
      { nodeId: 'b', name: 'b', role: 'head', shape: [3], labelColumn: 'y' },
      { nodeId: 'v', name: 'v', role: 'late', shape: [3], labelColumn: 'y' },
      { nodeId: 'r', name: 'r', role: 'head', shape: [1], labelColumn: 'price' },
      { nodeId: 'm', name: 'm', role: 'head', shape: [3], labelColumn: 'tags' },
    ],
  };
  const g = graph([], ['a.out->v.in', 'b.out->v.in', 'x.out->a.in']);

  it('names classes, sorts them, de-standardises regression, lists multilabel answers and late branches', () => {
    const rep = describePrediction(fitted, io, [[0.2, 0.7, 0.1], [0.5, 0.3, 0.2], [0.35, 0.5, 0.15], [1.5], [0.9, 0.2, 0.6]], g);
    expect(rep.primary).toBe('v');
    const [a, b, v, r, m] = rep.outputs;
    expect(a.predicted).toBe('dog');
    expect(a.ranked?.map((c) => c.name)).toEqual(['dog', 'cat', 'eel']);
    expect(a.ranked?.[0].probability).toBeCloseTo(0.7, 6);
    expect(b.predicted).toBe('cat');
    expect(v).toMatchObject({ role: 'late', task: 'classify', predicted: 'dog', branches: ['a', 'b'], labelColumn: 'y' });
    expect(a.branches).toBeUndefined();
    expect(r.task).toBe('regress');
    expect(r.values?.[0]).toBeCloseTo(130, 5);
    expect(r.probabilities).toBeUndefined();
    expect(m.task).toBe('multilabel');
    expect(m.predictedLabels).toEqual(['red', 'old']);
  });

  it('falls back to class indices without fitted state and to the first head as the answer', () => {
    const io2: ModelIO = { inputs: [], outputs: [{ nodeId: 'z', name: 'z', role: 'head', shape: [2] }] };
    const rep = describePrediction({ ...fitted, heads: {} }, io2, [[0.1, 0.9]]);
    expect(primaryOutputId(io2)).toBe('z');
    expect(rep.outputs[0]).toMatchObject({ predicted: '1', classes: ['0', '1'] });
  });

  it('scales a preview per channel to 0–255', () => {
    const p = previewBytes(Float32Array.from([-1, 10, 0, 20, 1, 30]), 2);
    expect(Array.from(p)).toEqual([0, 0, 128, 128, 255, 255]);
  });
});

describe('predictSample', () => {
  it('predicts one featurised demo sample with saliency for the picture and the spectrogram, leaking no tensors', async () => {
    const c = compileGraph(lateGraph, registry, { tf, seed: 1 });
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
    const io = { inputs: c.summary.inputs, outputs: c.summary.outputs };
    const s = await featuriseSample(ds.fitted, row(0), memorySource('one', demo.files), createNodeAdapter());
    if (!s.ok) throw new Error(JSON.stringify(s.problems));
    const base = tf.memory().numTensors;
    const out = predictSample(tf, c.model, io, ds.fitted, s.inputs, { graph: lateGraph });
    expect(tf.memory().numTensors).toBe(base);

    const classes = ds.fitted.heads.ph.task === 'classify' ? ds.fitted.heads.ph.classes : [];
    expect(classes.sort()).toEqual(['match-high', 'match-low', 'mismatch-high', 'mismatch-low']);
    expect(out.report.primary).toBe('late');
    expect(out.report.outputs.map((o) => o.nodeId).sort()).toEqual(['late', 'ph', 'th']);
    for (const o of out.report.outputs) {
      expect([...(o.classes ?? [])].sort()).toEqual(classes);
      const sum = (o.probabilities ?? []).reduce((x, y) => x + y, 0);
      expect(sum).toBeCloseTo(1, 5);
      expect(o.ranked?.[0].name).toBe(o.predicted);
    }
    const late = out.report.outputs.find((o) => o.nodeId === 'late');
    expect(late?.branches?.sort()).toEqual(['ph', 'th']);
    // late.average: the fused probabilities are the mean of the branches'.
    const ph = out.report.outputs.find((o) => o.nodeId === 'ph');
    const th = out.report.outputs.find((o) => o.nodeId === 'th');
    late?.probabilities?.forEach((p, j) => expect(p).toBeCloseTo(((ph?.probabilities?.[j] ?? 0) + (th?.probabilities?.[j] ?? 0)) / 2, 5));

    expect(out.saliency.map((m) => [m.inputId, m.layout])).toEqual([
      ['picture', 'image'],
      ['tone', 'spectrogram'],
    ]);
    const toneShape = io.inputs.find((i) => i.nodeId === 'tone')?.shape ?? [];
    for (const m of out.saliency) {
      const shape = m.inputId === 'picture' ? [16, 16] : toneShape.slice(0, 2);
      expect([m.height, m.width]).toEqual(shape);
      expect(m.values.length).toBe(m.height * m.width);
      expect(m.preview.length).toBe(m.height * m.width * m.channels);
      expect(Math.max(...m.values), m.inputId).toBeCloseTo(1, 5);
      expect(Math.min(...m.values)).toBeGreaterThanOrEqual(0);
      expect(m.outputId).toBe('late');
      expect(m.className).toBe(late?.predicted);
    }
    // What the Predict panel shows before predicting: a field per input, the outputs with classes.
    const info = describeModel(ds.fitted, io, lateGraph);
    expect(info.fields.map((f) => [f.nodeId, f.kind, f.columns])).toEqual([
      ['picture', 'input.image', ['image']],
      ['tone', 'input.audio', ['audio']],
    ]);
    expect(info.primary).toBe('late');
    expect(info.outputs.find((o) => o.nodeId === 'late')).toMatchObject({ role: 'late', labelColumn: 'label', branches: ['ph', 'th'] });
    expect([...(info.outputs[0].classes ?? [])].sort()).toEqual(classes);
    // Repeated predictions stay leak-free.
    for (let i = 0; i < 3; i++) predictSample(tf, c.model, io, ds.fitted, s.inputs, { graph: lateGraph });
    expect(tf.memory().numTensors).toBe(base);
    c.model.dispose();
  });

  it('a bundle read back predicts the same, and the CLI prints it with class names', async () => {
    const c = compileGraph(lateGraph, registry, { tf, seed: 4 });
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
    const io = { inputs: c.summary.inputs, outputs: c.summary.outputs };
    const s = await featuriseSample(ds.fitted, row(1), memorySource('one', demo.files), createNodeAdapter());
    if (!s.ok) throw new Error(JSON.stringify(s.problems));
    const before = predictSample(tf, c.model, io, ds.fitted, s.inputs, { saliency: false });
    const zip = await writeBundle(tf, { model: c.model, graph: lateGraph, fitted: ds.fitted, io });
    const r = await readBundle(tf, zip, (t) => registerCustomLayers(t));
    if (!r.ok) throw new Error(r.message);
    const after = predictSample(tf, r.bundle.model, r.bundle.meta.io, r.bundle.fitted, s.inputs, { saliency: false, graph: r.bundle.graph });
    for (const [k, o] of after.report.outputs.entries()) o.probabilities?.forEach((p, j) => expect(p).toBeCloseTo(before.report.outputs[k].probabilities?.[j] ?? NaN, 6));
    r.bundle.model.dispose();
    c.model.dispose();

    const bundleFile = path.join(tmp, 'late.zip');
    writeFileSync(bundleFile, zip);
    const rr = demo.rows[1];
    const imageFile = path.join(tmp, 'x.png');
    const audioFile = path.join(tmp, 'x.wav');
    writeFileSync(imageFile, demo.files.get(`images/${rr.id}.png`) as Uint8Array);
    writeFileSync(audioFile, demo.files.get(`audio/${rr.id}.wav`) as Uint8Array);
    const run = spawnSync(process.execPath, [path.join(ROOT, 'bin/fusionlab.mjs'), 'predict', bundleFile, '--input', `image=${imageFile}`, '--input', `audio=${audioFile}`, '--backend', 'cpu', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    const json = JSON.parse(run.stdout) as { ok: boolean; primary: string; outputs: { nodeId: string; role: string; predicted: string; probabilities: Record<string, number> }[] };
    expect(json.ok).toBe(true);
    expect(json.primary).toBe('late');
    expect(json.outputs.map((o) => Object.keys(o))).toEqual(json.outputs.map(() => ['nodeId', 'role', 'predicted', 'probabilities']));
    json.outputs.forEach((o, k) => {
      const mine = before.report.outputs[k];
      expect(o.nodeId).toBe(mine.nodeId);
      expect(o.predicted).toBe(mine.predicted);
      (mine.classes ?? []).forEach((cl, j) => expect(o.probabilities[cl]).toBeCloseTo(mine.probabilities?.[j] ?? NaN, 4));
    });
    const text = spawnSync(process.execPath, [path.join(ROOT, 'bin/fusionlab.mjs'), 'predict', bundleFile, '--input', `image=${imageFile}`, '--input', `audio=${audioFile}`, '--backend', 'cpu'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(text.status, text.stderr.slice(-2000)).toBe(0);
    expect(text.stdout).toMatch(/^late \(model answer\): (match|mismatch)-(low|high) {3}\(/m);
  }, 240_000);
});

describe('saliency pixels', () => {
  it('blends heat over the input and turns spectrograms (time → x, low bins at the bottom)', () => {
    // A 2-frame × 3-bin spectrogram; saliency only on frame 1, bin 0 (the lowest).
    const values = Float32Array.from([0, 0, 0, 1, 0, 0]);
    const preview = Uint8ClampedArray.from([10, 20, 30, 40, 50, 60]);
    const p = saliencyPixels({ layout: 'spectrogram', height: 2, width: 3, values, preview, channels: 1 }, 1);
    expect([p.width, p.height]).toEqual([2, 3]);
    const px = (x: number, y: number) => Array.from(p.data.subarray((y * 2 + x) * 4, (y * 2 + x) * 4 + 4));
    expect(px(1, 2)).toEqual([...saliencyColour(1), 255]); // frame 1, bin 0: bottom right, full heat
    expect(px(0, 2)).toEqual([10, 10, 10, 255]); // frame 0, bin 0: the input's gray
    expect(px(0, 0)).toEqual([30, 30, 30, 255]); // frame 0, bin 2: top left
    const none = saliencyPixels({ layout: 'image', height: 2, width: 3, values, preview, channels: 1 }, 0);
    expect(Array.from(none.data.subarray(12, 16))).toEqual([40, 40, 40, 255]);
    expect(saliencyColour(0)[2]).toBeGreaterThan(saliencyColour(0)[0]);
    expect(saliencyColour(1)[0]).toBeGreaterThan(saliencyColour(1)[2]);
  });
});
