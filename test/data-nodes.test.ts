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
