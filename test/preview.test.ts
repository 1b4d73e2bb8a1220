/**
 * engine/evaluate/preview.ts: featurised samples turned back into what a person can look at
 * (the fitted preprocessing state undone), and the worst-classified samples with their previews.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../engine/compile';
import { featuriseAudioRaw } from '../engine/data/audio';
import { generateDemoDataset } from '../engine/data/demo';
import { featuriseImage } from '../engine/data/image';
import { loadDataset, type FittedInput } from '../engine/data/loader';
import { createNodeAdapter } from '../engine/data/node-decoders';
import type { AudioInputParams, ImageInputParams, TabularInputParams, TextInputParams } from '../engine/data/params';
import { memorySource } from '../engine/data/source';
import { encodeTabular, fitTabular } from '../engine/data/tabular';
import { encodeTokens, fitVocabulary, tokenize, vocabularyIndex } from '../engine/data/text';
import { detokenize, envelope, heatColor, previewInput, worstWithPreviews, type InputPreview } from '../engine/evaluate/preview';
import { parseGraphText } from '../engine/graph';
import type { TrainingSet } from '../engine/train/types';
import { registry } from '../nodes';

const IMG: ImageInputParams = { column: 'image', height: 4, width: 3, channels: 3, resize: 'stretch', normalise: 'unit', flip: false, shift: 0, brightness: 0 };

function pick<K extends InputPreview['kind']>(p: InputPreview, kind: K): Extract<InputPreview, { kind: K }> {
  if (p.kind !== kind) throw new Error(`expected a ${kind} preview, got ${p.kind}`);
  return p as Extract<InputPreview, { kind: K }>;
}

describe('previewInput', () => {
  it('an RGB image featurised with each exact normalisation comes back to its pixels', () => {
    const data = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37 + 11) % 256);
    for (const normalise of ['unit', 'signed', 'none'] as const) {
      const p = { ...IMG, normalise };
      const values = featuriseImage({ width: 3, height: 4, channels: 3, data }, p);
      const f: FittedInput = { kind: 'input.image', columns: ['image'], shape: [4, 3, 3], params: p };
      const img = pick(previewInput('img', f, values), 'image');
      expect([img.width, img.height, img.approximate]).toEqual([3, 4, false]);
      for (let i = 0; i < 12; i++) {
        for (let c = 0; c < 3; c++) expect(Math.abs(img.rgba[i * 4 + c] - data[i * 3 + c])).toBeLessThanOrEqual(1);
        expect(img.rgba[i * 4 + 3]).toBe(255);
      }
    }
  });

  it('a grey per-image-normalised image keeps its order of brightness, stretched to 0–255', () => {
    const data = Uint8Array.from([10, 50, 90, 130, 170, 210]);
    const p = { ...IMG, height: 2, width: 3, channels: 1 as const, normalise: 'per-image' as const };
    const values = featuriseImage({ width: 3, height: 2, channels: 1, data }, p);
    const img = pick(previewInput('img', { kind: 'input.image', columns: ['image'], shape: [2, 3, 1], params: p }, values), 'image');
    expect(img.approximate).toBe(true);
    const grey = Array.from({ length: 6 }, (_, i) => img.rgba[i * 4]);
    expect(grey).toEqual([0, 51, 102, 153, 204, 255]);
    expect(img.rgba[4 * 2 + 1]).toBe(img.rgba[4 * 2]); // grey: R = G
  });

  it('token ids come back to the words, padding skipped, unknown words as <unk>', () => {
    const p: TextInputParams = { column: 'caption', tokenizer: 'word', vocabSize: 10, seqLength: 8, lowercase: true, tokenDropout: 0 };
    const vocab = fitVocabulary([tokenize('a red circle', p), tokenize('a blue square', p)], p.vocabSize);
    const ids = encodeTokens(tokenize('A red square, maybe', p), vocabularyIndex(vocab), p.seqLength);
    const t = pick(previewInput('cap', { kind: 'input.text', columns: ['caption'], shape: [8], params: p, vocab }, ids), 'text');
    expect(t.tokens).toEqual(['a', 'red', 'square', '<unk>', '<unk>']);
    expect(t.text).toBe('a red square <unk> <unk>');
    expect(detokenize(tokenize('I see a "square", (maybe) big!', p))).toBe('i see a "square", (maybe) big!');
    expect(detokenize(['one', 'circle', ',', 'red'])).toBe('one circle, red');
    const pc = { ...p, tokenizer: 'char' as const };
    const cv = fitVocabulary([tokenize('abc', pc)], 10);
    const cids = encodeTokens(tokenize('cab', pc), vocabularyIndex(cv), 8);
    expect(pick(previewInput('c', { kind: 'input.text', columns: ['c'], shape: [8], params: pc, vocab: cv }, cids), 'text').text).toBe('cab');
  });

  it('tabular values are de-standardised and categories named', () => {
    const p: TabularInputParams = { columns: ['temp', 'count'], categorical: [{ column: 'colour', cardinality: 2 }], standardise: true };
    const rows = [
      { numbers: [20.5, 3], categories: ['red'] },
      { numbers: [25, 7], categories: ['blue'] },
      { numbers: [17, 1], categories: ['red'] },
    ];
    const { fitted } = fitTabular(rows, p);
    const f: FittedInput = { kind: 'input.tabular', columns: ['temp', 'count', 'colour'], shape: [4], params: p, fitted };
    const out = new Float32Array(4);
    encodeTabular({ numbers: [22.25, 5], categories: ['blue'] }, p, fitted, out, 0);
    expect(pick(previewInput('num', f, out), 'tabular').fields).toEqual([
      { name: 'temp', value: 22.25 },
      { name: 'count', value: 5 },
      { name: 'colour', value: 'blue' },
    ]);
    encodeTabular({ numbers: [1, 2], categories: ['green'] }, p, fitted, out, 0);
    expect(pick(previewInput('num', f, out), 'tabular').fields[2]).toEqual({ name: 'colour', value: '(other)' });
  });

  it('a log-mel spectrogram becomes a heat image (time → x, low bins at the bottom); a waveform an envelope', () => {
    const p: AudioInputParams = { column: 'a', sampleRate: 8000, clipSeconds: 0.25, representation: 'logmel', melBins: 16, frameLength: 256, hop: 128, window: 'hann', standardise: true, timeShift: 0, gainDb: 0, noise: 0 };
    const tone = Float32Array.from({ length: 2000 }, (_, i) => Math.sin((2 * Math.PI * 300 * i) / 8000));
    const raw = featuriseAudioRaw(tone, p);
    const frames = raw.length / 16;
    const mean = 2;
    const std = 3;
    const values = Float32Array.from(raw, (v) => (v - mean) / std);
    const s = pick(previewInput('tone', { kind: 'input.audio', columns: ['a'], shape: [frames, 16, 1], params: p, mean, std }, values), 'spectrogram');
    expect([s.width, s.height, s.rgba.length]).toEqual([frames, 16, frames * 16 * 4]);
    // A 300 Hz tone is loudest in a low mel bin: the bright pixels sit in the lower rows.
    const lum = (x: number, y: number) => s.rgba[(y * frames + x) * 4] + s.rgba[(y * frames + x) * 4 + 1];
    const mid = Math.floor(frames / 2);
    let brightest = 0;
    for (let y = 1; y < 16; y++) if (lum(mid, y) > lum(mid, brightest)) brightest = y;
    expect(brightest).toBeGreaterThan(8);
    expect(heatColor(0)).toEqual([0, 0, 4]);
    expect(heatColor(1)).toEqual([252, 255, 164]);

    const wave = pick(previewInput('w', { kind: 'input.audio', columns: ['a'], shape: [2000], params: { ...p, representation: 'waveform' }, mean: 0, std: 1 }, tone), 'waveform');
    expect(wave.min.length).toBe(160);
    expect(Math.max(...wave.max)).toBeCloseTo(1, 1);
    expect(Math.min(...wave.min)).toBeCloseTo(-1, 1);
    expect(envelope(Float32Array.from([1, -2, 3]), 10).max).toEqual(Float32Array.from([1, -2, 3]));
  });

  it('a video becomes a strip of evenly spaced frames', () => {
    const frames = 6;
    const values = new Float32Array(frames * 2 * 2 * 1);
    for (let k = 0; k < frames; k++) values.fill(k / 10, k * 4, (k + 1) * 4);
    const v = pick(previewInput('vid', { kind: 'input.video', columns: ['v'], shape: [frames, 2, 2, 1], params: { column: 'v', frames, height: 2, width: 2, channels: 1 } }, values), 'video');
    expect([v.frames, v.width, v.height]).toEqual([4, 8, 2]);
    // Frames 0, 2, 3, 5 (rounded even spacing) → grey 0, 51, 76.5, 127.5 (± rounding) in the first row.
    [0, 51, 76.5, 127.5].forEach((g, k) => expect(Math.abs(v.rgba[2 * k * 4] - g)).toBeLessThanOrEqual(1));
  });
});

describe('worstWithPreviews on the demo dataset', () => {
  let data: TrainingSet;
  let csv: Map<string, string[]>;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    const parsed = parseGraphText(readFileSync(path.join(import.meta.dirname, '../templates/demo.json'), 'utf8'));
    if (!parsed.ok) throw new Error('demo.json');
    const demo = generateDemoDataset({ rows: 80, seed: 3 });
    const ds = await loadDataset(memorySource('demo', demo.files), { graph: parsed.graph, registry, adapter: createNodeAdapter() });
    if (!ds.ok) throw new Error(ds.problems.map((p) => p.message).join(' '));
    data = { inputs: ds.inputs, heads: ds.heads, splits: ds.splits, fitted: ds.fitted };
    csv = new Map(demo.rows.map((r) => [r.id, [r.caption, r.temperature.toFixed(1), String(r.count), r.label]]));
  });

  it('lists misclassified validation samples, worst first, each with a preview of every input that matches its row', () => {
    const parsed = parseGraphText(readFileSync(path.join(import.meta.dirname, '../templates/demo.json'), 'utf8'));
    if (!parsed.ok) throw new Error('demo.json');
    const compiled = compileGraph(parsed.graph, registry, { tf, seed: 1 });
    if (!compiled.ok) throw new Error('compile');
    const io = { inputs: compiled.summary.inputs, outputs: compiled.summary.outputs };
    const before = tf.memory().numTensors;
    const rep = worstWithPreviews(tf, compiled.model, io, data, 'val', 5);
    expect(tf.memory().numTensors).toBe(before);
    compiled.model.dispose();
    if (!rep) throw new Error('no worst report');
    expect(rep.outputId).toBe('answer');
    expect(rep.count).toBe(data.splits.val.count);
    expect(rep.samples.length).toBe(Math.min(5, rep.wrong)); // an untrained model gets most wrong
    expect(rep.samples.length).toBeGreaterThan(0);
    for (let i = 1; i < rep.samples.length; i++) expect(rep.samples[i].trueProbability).toBeGreaterThanOrEqual(rep.samples[i - 1].trueProbability);
    for (const s of rep.samples) {
      expect(s.label).not.toBe(s.predicted);
      expect(s.predictedProbability).toBeGreaterThanOrEqual(s.trueProbability);
      const row = csv.get(s.id ?? '');
      if (!row) throw new Error(`no row ${s.id}`);
      expect(s.label).toBe(row[3]);
      expect(s.inputs.map((p) => `${p.nodeId}:${p.kind}`)).toEqual(['picture:image', 'caption:text', 'tone:spectrogram', 'numbers:tabular']);
      const text = pick(s.inputs[1], 'text');
      expect(text.tokens).toEqual(tokenize(row[0], { tokenizer: 'word', lowercase: true }));
      const nums = pick(s.inputs[3], 'tabular').fields;
      expect(nums[0].value).toBeCloseTo(Number(row[1]), 3);
      expect(nums[1].value).toBeCloseTo(Number(row[2]), 3);
      const img = pick(s.inputs[0], 'image');
      expect([img.width, img.height]).toEqual([16, 16]);
      expect(Math.max(...img.rgba.filter((_, i) => i % 4 === 0)) - Math.min(...img.rgba.filter((_, i) => i % 4 === 0))).toBeGreaterThan(100);
    }
  });
});
