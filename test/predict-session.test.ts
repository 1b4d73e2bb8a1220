/**
 * The Predict panel's worker side (components/train/predictSession.ts through the session's
 * message protocol) on the plain CPU backend: predict with the trained model, problems as
 * messages, open a bundle (which replaces the trained model and predicts the same), image and
 * audio files (bytes, or samples decoded on the page), saliency, and no leaked tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { strToU8 } from 'fflate';
import type { PanelConfig } from '../components/train/protocol';
import { wasmBinaryUrls } from '../components/train/wasmUrls';
import { writeBundle } from '../engine/bundle';
import { compileGraph } from '../engine/compile';
import { generateDemoDataset } from '../engine/data/demo';
import { loadDataset } from '../engine/data/loader';
import { createNodeAdapter } from '../engine/data/node-decoders';
import { memorySource } from '../engine/data/source';
import { decodeWavAt } from '../engine/data/wav';
import type { GraphDoc } from '../engine/graph';
import { registry } from '../nodes';
import { graph } from './fixtures/graphs';
import { sessionHarness, signsDataset, signsGraph } from './fixtures/signs';

const signs = signsGraph();
const signsData = () => signsDataset(signs, { seed: 7, rows: 240, trainEnd: 180, valEnd: 210 });

const CONFIG: PanelConfig = { optimizer: 'adam', learningRate: 0.05, momentum: 0.9, batchSize: 16, epochs: 4, patience: 0, seed: 3, modalityDropout: 0 };


beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('predict session', () => {
  it('predicts with the trained model, reports problems as messages, opens a bundle that predicts the same', async () => {
    const h = sessionHarness();
    await h.handle({ type: 'init', preferred: 'cpu', wasmUrls: wasmBinaryUrls() });
    await h.handle({ type: 'predict-info' });
    expect(h.last('predict-model')?.model).toBeNull();
    await h.handle({ type: 'predict', id: 1, cells: { a: '1', b: '1' }, files: {} });
    expect(h.last('predict-error')?.message).toMatch(/no model/);

    await h.handle({ type: 'train', graph: signs, config: CONFIG, dataset: await signsData() });
    expect(h.last('done')?.status).toBe('finished');
    await h.handle({ type: 'predict-info' });
    const m = h.last('predict-model')?.model;
    expect(m?.source).toBe('trained');
    expect(m?.info.fields.map((f) => [f.nodeId, f.kind, f.columns])).toEqual([['tab', 'input.tabular', ['a', 'b']]]);
    expect(m?.info.outputs[0].classes.sort()).toEqual(['neg', 'pos']);

    const base = tf.memory().numTensors;
    await h.handle({ type: 'predict', id: 2, cells: { a: '0.9', b: '0.6' }, files: {} });
    await h.handle({ type: 'predict', id: 3, cells: { a: '-0.8', b: '-0.7' }, files: {} });
    expect(tf.memory().numTensors).toBe(base);
    const [p2, p3] = h.of('prediction').map((p) => p.result);
    expect(p2.source).toBe('trained');
    expect(p2.report.outputs[0].predicted).toBe('pos');
    expect(p3.report.outputs[0].predicted).toBe('neg');
    expect((p2.report.outputs[0].probabilities ?? []).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p2.saliency).toEqual([]); // tabular: no saliency map

    // A missing and a non-numeric cell: one message naming both, no exception.
    await h.handle({ type: 'predict', id: 4, cells: { a: 'x' }, files: {} });
    const bad = h.last('predict-error');
    expect(bad?.id).toBe(4);
    expect(bad?.problems?.join(' ')).toMatch(/"b"/);

    // The bundle: garbage is refused; the real one replaces the trained model and predicts the same.
    await h.handle({ type: 'bundle' });
    const zip = h.last('bundle')?.bytes as Uint8Array;
    await h.handle({ type: 'open-bundle', bytes: strToU8('not a zip'), name: 'notes.zip' });
    expect(h.last('predict-error')?.message).toMatch(/notes\.zip: This is not a FusionLab bundle/);
    const beforeOpen = tf.memory().numTensors;
    await h.handle({ type: 'open-bundle', bytes: zip, name: 'signs.fusionlab.zip' });
    const opened = h.last('bundle-opened')?.model;
    expect(opened).toMatchObject({ source: 'bundle', fileName: 'signs.fusionlab.zip' });
    expect(opened?.graph.nodes.map((n) => n.id)).toEqual(['tab', 'mlp', 'out']);
    expect(opened?.training?.epochs).toBe(4);
    // The Train panel forgets the run whose model is gone.
    expect(h.got.at(-2)?.type).toBe('reset-done');
    // The trained model, its trainer and optimizer state are released; only the bundle's weights stay.
    expect(tf.memory().numTensors).toBeLessThan(beforeOpen);
    await h.handle({ type: 'predict', id: 5, cells: { a: '0.9', b: '0.6' }, files: {} });
    const p5 = h.last('prediction')?.result;
    expect(p5?.source).toBe('bundle');
    p5?.report.outputs[0].probabilities?.forEach((p, j) => expect(p).toBeCloseTo(p2.report.outputs[0].probabilities?.[j] ?? NaN, 6));
    // The Train panel's bundle button downloads the opened bundle as it is.
    await h.handle({ type: 'bundle' });
    expect(Array.from(h.last('bundle')?.bytes ?? [])).toEqual(Array.from(zip));
    // Training again lets the bundle go.
    const held = tf.memory().numTensors;
    await h.handle({ type: 'train', graph: signs, config: { ...CONFIG, epochs: 1 }, dataset: await signsData() });
    await h.handle({ type: 'predict-info' });
    expect(h.last('predict-model')?.model?.source).toBe('trained');
    expect(h.of('error')).toEqual([]);
    expect(held).toBeGreaterThan(0);
  }, 90_000);

  it('image and audio files: bytes decoded in the session, or samples decoded on the page; saliency maps', async () => {
    const g: GraphDoc = graph(
      [
        ['picture', 'input.image', { column: 'image', height: 16, width: 16, channels: 1, normalise: 'per-image' }],
        ['tone', 'input.audio', { column: 'audio', sampleRate: 8000, clipSeconds: 0.25, representation: 'logmel', melBins: 16, frameLength: 256, hop: 128 }],
        ['pcnn', 'encoder.image-cnn', { filters: 8, blocks: 1, units: 16 }],
        ['tcnn', 'encoder.audio-cnn', { filters: 8, blocks: 1, units: 16 }],
        ['fuse', 'fusion.concat', {}],
        ['answer', 'head.classify', { column: 'label', classes: 4 }],
      ],
      ['picture.out->pcnn.in', 'tone.out->tcnn.in', 'pcnn.out->fuse.in', 'tcnn.out->fuse.in', 'fuse.out->answer.in'],
      'Picture and tone',
    );
    const demo = generateDemoDataset({ rows: 24 });
    const ds = await loadDataset(memorySource('demo', demo.files), { graph: g, registry, adapter: createNodeAdapter() });
    const c = compileGraph(g, registry, { tf, seed: 1 });
    if (!c.ok) throw new Error(JSON.stringify(c.diagnostics));
    const zip = await writeBundle(tf, { model: c.model, graph: g, fitted: ds.fitted, io: { inputs: c.summary.inputs, outputs: c.summary.outputs } });
    c.model.dispose();

    const h = sessionHarness();
    await h.handle({ type: 'init', preferred: 'cpu', wasmUrls: wasmBinaryUrls() });
    await h.handle({ type: 'open-bundle', bytes: zip, name: 'pt.zip' });
    expect(h.last('bundle-opened')?.model.info.fields.map((f) => f.kind)).toEqual(['input.image', 'input.audio']);
    const id = demo.rows[0].id;
    const png = demo.files.get(`images/${id}.png`) as Uint8Array;
    const wav = demo.files.get(`audio/${id}.wav`) as Uint8Array;
    const base = tf.memory().numTensors;
    await h.handle({ type: 'predict', id: 1, cells: {}, files: { image: { name: 'shape.png', bytes: png }, audio: { name: 'tone.wav', bytes: wav } } });
    // A recording arrives decoded by the page (here: the same clip at 16 kHz, resampled in the session).
    await h.handle({ type: 'predict', id: 2, cells: {}, files: { image: { name: 'shape.png', bytes: png }, audio: { name: 'rec.webm', samples: decodeWavAt(wav, 16000), rate: 16000 } } });
    expect(tf.memory().numTensors).toBe(base);
    expect(h.of('predict-error')).toEqual([]);
    const [r1, r2] = h.of('prediction').map((p) => p.result);
    expect(r1.saliency.map((s) => [s.inputId, s.layout, s.height, s.width])).toEqual([
      ['picture', 'image', 16, 16],
      ['tone', 'spectrogram', c.summary.inputs[1].shape[0], 16],
    ]);
    for (const s of r1.saliency) {
      expect(Math.max(...s.values)).toBeCloseTo(1, 5);
      expect(s.preview.length).toBe(s.height * s.width);
    }
    // Resampling 8 → 16 → 8 kHz changes the clip a little, not the picture's saliency input.
    const p1 = r1.report.outputs[0].probabilities ?? [];
    const p2 = r2.report.outputs[0].probabilities ?? [];
    p1.forEach((p, j) => expect(Math.abs(p - p2[j])).toBeLessThan(0.05));

    // A file that is not an image: a problem naming the user's file.
    await h.handle({ type: 'predict', id: 3, cells: {}, files: { image: { name: 'notes.png', bytes: strToU8('hello') }, audio: { name: 'tone.wav', bytes: wav } } });
    const err = h.last('predict-error');
    expect(err?.id).toBe(3);
    expect(err?.problems?.join(' ')).toMatch(/notes\.png/);
    // A missing file: a message naming its column.
    await h.handle({ type: 'predict', id: 4, cells: {}, files: { image: { name: 'shape.png', bytes: png } } });
    expect(h.last('predict-error')?.problems?.join(' ')).toMatch(/"audio"/);
  }, 90_000);
});
